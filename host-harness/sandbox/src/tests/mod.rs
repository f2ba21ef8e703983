//! End-to-end tests: every request goes over loopback HTTP to a running sandbox.

mod google;
mod microsoft;
mod server;
mod support;
