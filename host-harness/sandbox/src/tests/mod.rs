//! End-to-end tests: every request goes over loopback HTTP to a running sandbox.

mod generator;
mod gmail;
mod google;
mod graph;
mod microsoft;
mod server;
mod support;
mod traffic;
