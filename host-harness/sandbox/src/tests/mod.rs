//! End-to-end tests: every request goes over loopback HTTP to a running sandbox.

mod drafts_upload;
mod faults;
mod generator;
mod gmail;
mod gmail_batch;
mod gmail_support;
mod google;
mod graph;
mod graph_delta;
mod graph_folders;
mod graph_ids;
mod graph_limits;
mod graph_support;
mod insert;
mod manage;
mod microsoft;
mod quota_gmail;
mod quota_graph;
mod random_faults;
mod raw;
mod rendering;
mod send;
mod server;
mod support;
mod traffic;
