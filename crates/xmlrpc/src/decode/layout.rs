//! A fast reader for replies in the layout Python's `xmlrpc.client.dumps` writes (and
//! our encoder copies): one `<value>` per line, known type elements, no attributes,
//! comments, CDATA or character references.
//!
//! It is a shortcut, not a second parser: whatever it does not recognise makes it
//! return `None`, and the general engine reads the document instead. Everything it
//! accepts is well-formed XML whose value it builds with the engine's own conversions
//! (`parse_int`, `parse_double`, `Value::structure`, ...), so the result is the one the
//! engine would give; conversion errors are left to the engine too, so that errors
//! read the same. A status reply for 500 processes (630 KB) is read several times
//! faster this way than through a general XML tokenizer.

use std::borrow::Cow;

use super::{decode_base64_lenient, parse_double, parse_int};
use crate::Value;

/// Nesting of values beyond this is left to the engine, which enforces the depth limit.
const MAX_VALUE_DEPTH: usize = 64;

struct Cursor<'a> {
    src: &'a str,
    pos: usize,
    /// Members of the structs being read, innermost last: one buffer for the whole
    /// document instead of one growing `Vec` per struct.
    members: Vec<(String, Value)>,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a [u8] {
        self.src.as_bytes().get(self.pos..).unwrap_or_default()
    }

    fn eat(&mut self, lit: &str) -> bool {
        let found = self.rest().starts_with(lit.as_bytes());
        if found {
            self.pos += lit.len();
        }
        found
    }

    fn expect(&mut self, lit: &str) -> Option<()> {
        self.eat(lit).then_some(())
    }

    fn skip_space(&mut self) {
        let n = self.rest().iter().take_while(|b| is_space(**b)).count();
        self.pos += n;
    }

    /// Character data up to the next `<`, with the five predefined entities decoded
    /// and line ends read as `\n`; `None` for anything else after `&`, or no `<`.
    fn text(&mut self) -> Option<Cow<'a, str>> {
        let len = self.rest().iter().position(|b| *b == b'<')?;
        let raw = self.src.get(self.pos..self.pos + len)?;
        self.pos += len;
        if !raw.bytes().any(|b| b == b'&' || b == b'\r') {
            return Some(Cow::Borrowed(raw));
        }
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(i) = rest.find(['&', '\r']) {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if rest.as_bytes()[i] == b'\r' {
                out.push('\n');
                rest = after.strip_prefix('\n').unwrap_or(after);
                continue;
            }
            let (c, tail) = [
                ("amp;", '&'),
                ("lt;", '<'),
                ("gt;", '>'),
                ("quot;", '"'),
                ("apos;", '\''),
            ]
            .into_iter()
            .find_map(|(name, c)| after.strip_prefix(name).map(|tail| (c, tail)))?;
            out.push(c);
            rest = tail;
        }
        out.push_str(rest);
        Some(Cow::Owned(out))
    }

    /// The text of a simple element whose start tag was just read, and its end tag.
    fn element_text(&mut self, end: &str) -> Option<Cow<'a, str>> {
        let text = self.text()?;
        self.expect(end)?;
        Some(text)
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_VALUE_DEPTH {
            return None;
        }
        self.expect("<value>")?;
        let text = self.text()?;
        if self.eat("</value>") {
            return Some(Value::String(text.into_owned()));
        }
        if !text.bytes().all(is_space) {
            return None;
        }
        let value = self.typed(depth)?;
        self.skip_space();
        self.expect("</value>")?;
        Some(value)
    }

    /// The type element inside a `<value>`.
    fn typed(&mut self, depth: usize) -> Option<Value> {
        for (start, end) in [
            ("<int>", "</int>"),
            ("<i4>", "</i4>"),
            ("<i8>", "</i8>"),
            ("<i1>", "</i1>"),
            ("<i2>", "</i2>"),
            ("<biginteger>", "</biginteger>"),
        ] {
            if self.eat(start) {
                let text = self.element_text(end)?;
                return parse_int(Some(&text)).ok();
            }
        }
        if self.eat("<string>") {
            return Some(Value::String(self.element_text("</string>")?.into_owned()));
        }
        if self.eat("<boolean>") {
            return match &*self.element_text("</boolean>")? {
                "0" => Some(Value::Bool(false)),
                "1" => Some(Value::Bool(true)),
                _ => None,
            };
        }
        for (start, end) in [
            ("<double>", "</double>"),
            ("<float>", "</float>"),
            ("<bigdecimal>", "</bigdecimal>"),
        ] {
            if self.eat(start) {
                let text = self.element_text(end)?;
                return parse_double(Some(&text)).ok();
            }
        }
        if self.eat("<dateTime.iso8601>") {
            let text = self.element_text("</dateTime.iso8601>")?;
            return Some(Value::DateTime(text.into_owned()));
        }
        if self.eat("<base64>") {
            let text = self.element_text("</base64>")?;
            return decode_base64_lenient(text.as_bytes())
                .ok()
                .map(Value::Base64);
        }
        if self.eat("<nil/>") {
            return Some(Value::Nil);
        }
        if self.eat("<array>") {
            self.skip_space();
            self.expect("<data>")?;
            let mut items = Vec::new();
            loop {
                self.skip_space();
                if self.eat("</data>") {
                    break;
                }
                items.push(self.value(depth + 1)?);
            }
            self.skip_space();
            self.expect("</array>")?;
            return Some(Value::Array(items));
        }
        if self.eat("<struct>") {
            let first = self.members.len();
            loop {
                self.skip_space();
                if self.eat("</struct>") {
                    break;
                }
                self.expect("<member>")?;
                self.skip_space();
                self.expect("<name>")?;
                let name = self.element_text("</name>")?;
                self.skip_space();
                let value = self.value(depth + 1)?;
                self.skip_space();
                self.expect("</member>")?;
                self.members.push((name.into_owned(), value));
            }
            return Some(Value::structure(self.members.drain(first..)));
        }
        None
    }
}

/// The value of a successful reply in Python's layout; `None` when the document is
/// anything else (a fault, another layout, malformed): the engine decides those.
pub(super) fn response_value(src: &str) -> Option<Value> {
    let mut c = Cursor {
        src,
        pos: 0,
        members: Vec::new(),
    };
    if !c.eat("<?xml version='1.0'?>") {
        c.eat("<?xml version=\"1.0\"?>");
    }
    for tag in ["<methodResponse>", "<params>", "<param>"] {
        c.skip_space();
        c.expect(tag)?;
    }
    c.skip_space();
    let value = c.value(0)?;
    for tag in ["</param>", "</params>", "</methodResponse>"] {
        c.skip_space();
        c.expect(tag)?;
    }
    c.skip_space();
    (c.pos == src.len()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_python_layout() {
        let v = Value::structure([
            ("name", Value::from("a&b<c>\"'")),
            ("n", Value::Int(-3)),
            ("ok", Value::Bool(true)),
            ("f", Value::Double(1.5)),
            ("dt", Value::DateTime("20240101T10:00:00".into())),
            ("b", Value::Base64(b"hi\0".to_vec())),
            ("nil", Value::Nil),
            (
                "list",
                Value::Array(vec![Value::from(""), Value::Array(vec![])]),
            ),
            ("empty", Value::Struct(vec![])),
        ]);
        let body = crate::encode_response(&v);
        assert_eq!(response_value(&body), Some(v));
    }

    #[test]
    fn untyped_text_entities_and_line_ends() {
        let body = "<methodResponse><params><param><value> a&amp;\r\nb\rc&quot; </value>\
                    </param></params></methodResponse>";
        assert_eq!(response_value(body), Some(Value::from(" a&\nb\nc\" ")));
    }

    #[test]
    fn leaves_other_documents_to_the_engine() {
        for body in [
            "<methodResponse><fault><value><int>1</int></value></fault></methodResponse>",
            "<methodResponse><params><param><value>&#65;</value></param></params></methodResponse>",
            "<methodResponse><params><param><value><!--x--></value></param></params></methodResponse>",
            "<methodResponse><params><param><value><int>x</int></value></param></params></methodResponse>",
            "<methodResponse><params><param><value><boolean>2</boolean></value></param></params></methodResponse>",
            "<methodResponse><params><param><value a='1'></value></param></params></methodResponse>",
            "<methodResponse><params><param><value></value></param></params></methodResponse>x",
            "<methodResponse><params><param><value></value></param></params>",
            " <?xml version='1.0'?><methodResponse/>",
        ] {
            assert_eq!(response_value(body), None, "{body}");
        }
        let deep = format!(
            "<methodResponse><params><param>{}{}</param></params></methodResponse>",
            "<value><array><data>".repeat(MAX_VALUE_DEPTH + 2),
            "</data></array></value>".repeat(MAX_VALUE_DEPTH + 2)
        );
        assert_eq!(response_value(&deep), None);
    }
}
