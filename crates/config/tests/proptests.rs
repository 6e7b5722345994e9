//! Property tests: lexer round trips and expansion invariants.

use proptest::prelude::*;
use supervisor_config::Ini;
use supervisor_config::py::{Expansions, Value, format};

fn key() -> impl Strategy<Value = String> {
    "[a-zA-Z_][a-zA-Z0-9_.]{0,12}"
}

fn value() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9/_.,=:'\"-]{0,20}( [a-zA-Z0-9/_.,=:-]{1,8}){0,3}"
}

proptest! {
    #[test]
    fn rendered_sections_lex_back(
        sections in prop::collection::vec(
            ("[a-z]{1,6}(:[a-z0-9_]{1,8})?", prop::collection::vec((key(), value()), 0..6)),
            1..5,
        ),
        crlf in any::<bool>(),
        colon in any::<bool>(),
    ) {
        let nl = if crlf { "\r\n" } else { "\n" };
        let delim = if colon { ": " } else { " = " };
        let mut text = String::new();
        for (name, entries) in &sections {
            text.push_str(&format!("[{name}]{nl}"));
            for (k, v) in entries {
                text.push_str(&format!("{k}{delim}{v}{nl}"));
            }
        }
        let ini = Ini::parse(&text, "p.conf").unwrap();
        for (name, entries) in &sections {
            for (k, _) in entries {
                let last = sections
                    .iter()
                    .filter(|(n, _)| n == name)
                    .flat_map(|(_, es)| es.iter())
                    .rfind(|(k2, _)| k2.to_lowercase() == k.to_lowercase())
                    .map(|(_, v)| v.trim().to_owned());
                prop_assert_eq!(ini.get(name, &k.to_lowercase()).map(str::to_owned), last);
            }
        }
    }

    #[test]
    fn text_without_percent_is_unchanged(s in "[^%]{0,40}") {
        prop_assert_eq!(format(&s, &Expansions::new()).unwrap(), s);
    }

    #[test]
    fn names_and_escapes_expand(prefix in "[^%]{0,10}", v in "[^%]{0,10}", n in -1000i64..1000) {
        let mut m = Expansions::new();
        m.set_str("name", &v);
        m.set("num", Value::Int(n));
        let out = format(&format!("{prefix}%(name)s%%%(num)d"), &m).unwrap();
        prop_assert_eq!(out, format!("{prefix}{v}%{n}"));
        let padded = format("%(num)05d", &m).unwrap();
        prop_assert_eq!(padded, format!("{n:05}"));
    }
}
