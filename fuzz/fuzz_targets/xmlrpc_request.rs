//! Supervisor's request loader on arbitrary bytes: never panics, and whatever it
//! accepts can be written back out.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supervisor_xmlrpc::MethodCall;

fuzz_target!(|data: &[u8]| {
    if let Ok(call) = MethodCall::parse(data) {
        let body = call.encode();
        assert!(body.starts_with("<?xml version='1.0'?>\n<methodCall>\n"));
    }
});
