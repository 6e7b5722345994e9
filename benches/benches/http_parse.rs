//! The daemon's HTTP framing on its own (no XML-RPC body parse): what a request costs
//! before the method is looked at, and what the reply head costs after.
//!
//! * `http/request_getAllProcessInfo`: supervisorctl's request (Python's xmlrpc client
//!   headers, the 200-byte body) arriving in one read.
//! * `http/request_logtail_auth`: `GET /logtail/NAME` with basic auth, as `tail -f` sends.
//! * `http/request_in_16_byte_reads`: the same POST trickling in 16 bytes per read, the
//!   slow-client case (each read re-parses the partial head).
//! * `http/pipelined_100`: 100 kept-alive requests taken out of one buffer, per request.
//! * `http/reply_getAllProcessInfo_500`: the reply head and body copy for a 500-process
//!   `getAllProcessInfo` answer (about 230 KB).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use supervisor_xmlrpc::http::{Exchange, Limits, RequestParser, Version, xmlrpc_reply};

const GETALL_BODY: &str = "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getAllProcessInfo</methodName>\n<params>\n</params>\n</methodCall>\n";

fn post(body: &str) -> Vec<u8> {
    format!(
        "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\nUser-Agent: Python-xmlrpc/3.11\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Parses everything in `wire` (fed in `piece`-byte reads) and returns the number of
/// complete requests.
fn parse_all(wire: &[u8], piece: usize) -> usize {
    let mut p = RequestParser::new(Limits::default());
    let mut n = 0;
    for part in wire.chunks(piece) {
        p.feed(part);
        while let Ok(Some(r)) = p.next_request() {
            black_box(&r);
            n += 1;
        }
    }
    n
}

fn bench(c: &mut Criterion) {
    let one = post(GETALL_BODY);
    let logtail = b"GET /logtail/workers:worker_001/stderr HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic dXNlcjpwYXNzd29yZA==\r\nAccept-Encoding: identity\r\n\r\n".to_vec();
    let pipelined: Vec<u8> = (0..100).flat_map(|_| one.iter().copied()).collect();
    assert_eq!(parse_all(&one, one.len()), 1);
    assert_eq!(parse_all(&logtail, logtail.len()), 1);
    assert_eq!(parse_all(&one, 16), 1);
    assert_eq!(parse_all(&pipelined, pipelined.len()), 100);

    let mut g = c.benchmark_group("http");
    g.throughput(Throughput::Elements(1));
    g.bench_function("request_getAllProcessInfo", |b| {
        b.iter(|| parse_all(black_box(&one), one.len()))
    });
    g.bench_function("request_logtail_auth", |b| {
        b.iter(|| parse_all(black_box(&logtail), logtail.len()))
    });
    g.bench_function("request_in_16_byte_reads", |b| {
        b.iter(|| parse_all(black_box(&one), 16))
    });
    g.throughput(Throughput::Elements(100));
    g.bench_function("pipelined_100", |b| {
        b.iter(|| parse_all(black_box(&pipelined), pipelined.len()))
    });

    // A body of the size getAllProcessInfo returns for 500 programs.
    let body = "<value><struct><member><name>x</name><value><string>y</string></value></member></struct></value>\n"
        .repeat(2400);
    let ex = Exchange {
        version: Version::Http11,
        keep_alive: true,
    };
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("reply_getAllProcessInfo_500", |b| {
        b.iter(|| xmlrpc_reply(ex, black_box(&body), 1_712_345_678))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
