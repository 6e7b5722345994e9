//! The HTTP request parser on arbitrary bytes, fed whole and fed in pieces: never
//! panics, and how the bytes are split never changes the requests that come out.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supervisor_xmlrpc::http::{HttpError, Limits, Request, RequestParser};

fn run(pieces: &[&[u8]]) -> (Vec<Request>, Option<HttpError>) {
    let mut parser = RequestParser::new(Limits {
        max_head: 4096,
        max_body: 4096,
    });
    let mut out = Vec::new();
    for piece in pieces {
        parser.feed(piece);
        loop {
            match parser.next_request() {
                Ok(Some(r)) => out.push(r),
                Ok(None) => break,
                Err(e) => return (out, Some(e)),
            }
        }
    }
    (out, None)
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let whole = run(&[rest]);
    let step = usize::from(split % 16) + 1;
    let pieces: Vec<&[u8]> = rest.chunks(step).collect();
    let split_up = run(&pieces);
    // A head-size error may surface at a different point when fed in pieces; the
    // requests parsed before any error must agree.
    let n = whole.0.len().min(split_up.0.len());
    assert_eq!(whole.0[..n], split_up.0[..n]);
    if whole.1.is_none() && split_up.1.is_none() {
        assert_eq!(whole.0, split_up.0);
    }
});
