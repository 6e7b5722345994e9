//! Property tests: what we encode, we parse back to the same value.

mod common;

use common::{Profile, value};
use proptest::prelude::*;
use supervisor_xmlrpc::{Fault, MethodCall, encode_fault, encode_response, parse_response};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn response_round_trip(v in value(Profile { control_chars: true, base64: true, nil: true })) {
        let body = encode_response(&v);
        prop_assert_eq!(parse_response(body.as_bytes()).unwrap(), Ok(v));
    }

    #[test]
    fn call_round_trip(
        name in "[a-zA-Z_.]{1,30}",
        params in prop::collection::vec(
            value(Profile { control_chars: false, base64: false, nil: true }), 0..5),
    ) {
        let call = MethodCall::new(name, params);
        prop_assert_eq!(MethodCall::parse(call.encode().as_bytes()).unwrap(), call);
    }

    #[test]
    fn fault_round_trip(code in any::<i32>(), string in "[^\r]{0,40}") {
        let f = Fault { code, string };
        prop_assert_eq!(parse_response(encode_fault(&f).as_bytes()).unwrap(), Err(f));
    }

    #[test]
    fn parsers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = MethodCall::parse(&bytes);
        let _ = parse_response(&bytes);
    }
}
