//! The XML-RPC wire: encoding a 500-process `getAllProcessInfo` reply, parsing it
//! back as supervisorctl does, and reading requests off the HTTP framing.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use supervisor_xmlrpc::http::{Limits, RequestParser};
use supervisor_xmlrpc::{MethodCall, Value, encode_response, parse_response};

/// A `getAllProcessInfo` entry with Supervisor's keys in Supervisor's order.
fn process_info(i: i32) -> Value {
    let name = format!("worker_{i:03}");
    Value::structure([
        ("name", Value::from(name.as_str())),
        ("group", Value::from("workers")),
        ("start", Value::Int(1_712_345_678 + i)),
        ("stop", Value::Int(0)),
        ("now", Value::Int(1_712_349_999)),
        ("state", Value::Int(20)),
        ("statename", Value::from("RUNNING")),
        ("spawnerr", Value::from("")),
        ("exitstatus", Value::Int(0)),
        (
            "logfile",
            Value::from(format!("/var/log/supervisor/{name}-stdout.log")),
        ),
        (
            "stdout_logfile",
            Value::from(format!("/var/log/supervisor/{name}-stdout.log")),
        ),
        (
            "stderr_logfile",
            Value::from(format!("/var/log/supervisor/{name}-stderr.log")),
        ),
        ("pid", Value::Int(10_000 + i)),
        (
            "description",
            Value::from(format!("pid {}, uptime 1:11:21", 10_000 + i)),
        ),
    ])
}

fn codec(c: &mut Criterion) {
    let reply = Value::Array((0..500).map(process_info).collect());
    let body = encode_response(&reply);

    let mut g = c.benchmark_group("xmlrpc");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("encode_getAllProcessInfo_500", |b| {
        b.iter(|| encode_response(black_box(&reply)))
    });
    g.bench_function("parse_getAllProcessInfo_500", |b| {
        b.iter(|| parse_response(black_box(body.as_bytes())))
    });
    g.finish();

    let start = MethodCall::new(
        "supervisor.startProcess",
        vec![Value::from("workers:worker_001"), Value::Bool(true)],
    )
    .encode();
    let multicall = MethodCall::new(
        "system.multicall",
        vec![Value::Array(
            (0..50)
                .map(|i| {
                    Value::structure([
                        ("methodName", Value::from("supervisor.stopProcess")),
                        (
                            "params",
                            Value::Array(vec![Value::from(format!("workers:worker_{i:03}"))]),
                        ),
                    ])
                })
                .collect(),
        )],
    )
    .encode();
    let mut g = c.benchmark_group("xmlrpc_request");
    g.bench_function("parse_startProcess", |b| {
        b.iter(|| MethodCall::parse(black_box(start.as_bytes())))
    });
    g.bench_function("parse_multicall_50", |b| {
        b.iter(|| MethodCall::parse(black_box(multicall.as_bytes())))
    });
    let mut wire = format!(
        "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: identity\r\nUser-Agent: Python-xmlrpc/3.11\r\nContent-Type: text/xml\r\nAccept: text/xml\r\nContent-Length: {}\r\n\r\n",
        start.len()
    )
    .into_bytes();
    wire.extend_from_slice(start.as_bytes());
    g.bench_function("http_and_parse_startProcess", |b| {
        b.iter(|| {
            let mut p = RequestParser::new(Limits::default());
            p.feed(black_box(&wire));
            let req = p.next_request().ok().flatten();
            req.map(|r| MethodCall::parse(&r.body))
        })
    });
    g.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
