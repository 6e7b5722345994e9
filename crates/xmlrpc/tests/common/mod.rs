//! Value generators shared by the round-trip and oracle tests.

use proptest::prelude::*;
use supervisor_xmlrpc::Value;

/// Which values a generator may produce.
#[derive(Clone, Copy)]
pub struct Profile {
    /// Control characters in strings (the reply parser tolerates them, Supervisor's
    /// request loader and Python's expat do not).
    pub control_chars: bool,
    /// `Base64` values (Supervisor's request loader turns them into strings).
    pub base64: bool,
    /// `Nil` values.
    pub nil: bool,
}

fn text(control_chars: bool) -> BoxedStrategy<String> {
    // `\r` never survives XML's line-end normalisation, in Python either.
    let chars = if control_chars {
        "[^\r]{0,12}"
    } else {
        "[^\u{0}-\u{8}\u{b}\u{c}\u{d}\u{e}-\u{1f}\u{fffe}\u{ffff}]{0,12}"
    };
    prop::string::string_regex(chars).unwrap().boxed()
}

fn datetime() -> impl Strategy<Value = Value> {
    (
        1u32..=9999,
        1u32..=12,
        1u32..=28,
        0u32..24,
        0u32..60,
        0u32..60,
    )
        .prop_map(|(y, m, d, hh, mm, ss)| {
            Value::DateTime(format!("{y:04}{m:02}{d:02}T{hh:02}:{mm:02}:{ss:02}"))
        })
}

/// Any value of the profile, nested up to a few levels.
pub fn value(p: Profile) -> impl Strategy<Value = Value> {
    let mut leaves: Vec<BoxedStrategy<Value>> = vec![
        any::<i32>().prop_map(Value::Int).boxed(),
        any::<bool>().prop_map(Value::Bool).boxed(),
        text(p.control_chars).prop_map(Value::String).boxed(),
        prop::num::f64::NORMAL
            .prop_union(prop::num::f64::SUBNORMAL)
            .or(prop::num::f64::ZERO)
            .prop_map(Value::Double)
            .boxed(),
        datetime().boxed(),
    ];
    if p.base64 {
        leaves.push(
            prop::collection::vec(any::<u8>(), 0..100)
                .prop_map(Value::Base64)
                .boxed(),
        );
    }
    if p.nil {
        leaves.push(Just(Value::Nil).boxed());
    }
    let leaf = prop::strategy::Union::new(leaves);
    let key = text(p.control_chars);
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6).prop_map(Value::structure),
        ]
    })
}
