//! Parsing XML-RPC documents.
//!
//! Requests are read the way Supervisor's `supervisor_xmlrpc_handler.loads` reads them:
//! ElementTree's `iterparse`, where each element, when it closes, is replaced by the
//! value it stands for, whatever its position. That is very tolerant (`<param>` may hold
//! a bare `<struct>`, an untyped `<value>` is a string, unknown type elements yield their
//! text) and this module reproduces it with a stack of open elements, so a request
//! Supervisor accepts is accepted here with the same values, and one it rejects with
//! HTTP 400 is a [`ParseError`] here. Replies are read with the same engine and the
//! rules of Python's `xmlrpc.client` (more integer tags, `<nil/>`, strict booleans).
//! Replies in the exact layout Python's `dumps` writes are first tried by a shortcut
//! (`layout`) that reads that layout alone and otherwise steps aside for the engine.

use std::borrow::Cow;

use quick_xml::events::Event;

use crate::{Fault, MethodCall, Value};

mod layout;

/// Nesting deeper than this many elements is refused, so that dropping or printing a
/// parsed value can never exhaust the stack.
pub const MAX_DEPTH: usize = 512;

/// Why an XML-RPC document could not be read. Supervisor answers any of these in a
/// request with HTTP 400 (and logs "unmarshallable" or "no method name").
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ParseError {
    /// The body is not UTF-8.
    #[error("XML-RPC body is not valid UTF-8 at byte {offset}")]
    NotUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// The body is not well-formed XML.
    #[error("XML-RPC body is not well-formed XML at byte {offset}: {message}")]
    Xml {
        /// Byte offset where the reader stopped.
        offset: u64,
        /// What was wrong.
        message: String,
    },
    /// A typed element holds text that does not convert to its type.
    #[error("XML-RPC <{tag}> holds an invalid value {text:?}: {reason}")]
    BadValue {
        /// The element, e.g. `int`.
        tag: &'static str,
        /// Its text.
        text: String,
        /// Why it does not convert.
        reason: String,
    },
    /// An element lacks the children its type needs (e.g. `<array>` with no `<data>`).
    #[error("XML-RPC <{tag}> is malformed: {reason}")]
    Structure {
        /// The element.
        tag: &'static str,
        /// What is missing or extra.
        reason: &'static str,
    },
    /// A request with no `<methodName>`, or an empty one.
    #[error("XML-RPC request has no method name")]
    NoMethodName,
    /// A reply with neither `<params>` nor `<fault>`.
    #[error("XML-RPC response has neither params nor fault")]
    NoResponse,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// Supervisor's request loader.
    Server,
    /// Python's `xmlrpc.client` reply loader.
    Client,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tag {
    Int,
    Boolean,
    String,
    Double,
    DateTime,
    Array,
    Data,
    Struct,
    Base64,
    Param,
    Value,
    MethodName,
    Params,
    Fault,
    Nil,
    Other,
}

impl Tag {
    fn classify(name: &[u8], dialect: Dialect) -> Tag {
        let client = dialect == Dialect::Client;
        match name {
            b"int" | b"i4" => Tag::Int,
            b"i8" | b"i1" | b"i2" | b"biginteger" if client => Tag::Int,
            b"boolean" => Tag::Boolean,
            b"string" => Tag::String,
            b"double" => Tag::Double,
            b"float" | b"bigdecimal" if client => Tag::Double,
            b"dateTime.iso8601" => Tag::DateTime,
            b"array" => Tag::Array,
            b"data" => Tag::Data,
            b"struct" => Tag::Struct,
            b"base64" => Tag::Base64,
            b"param" => Tag::Param,
            b"value" => Tag::Value,
            b"methodName" => Tag::MethodName,
            b"params" => Tag::Params,
            b"fault" if client => Tag::Fault,
            b"nil" | b"ex:nil" if client => Tag::Nil,
            _ => Tag::Other,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Tag::Int => "int",
            Tag::Boolean => "boolean",
            Tag::String => "string",
            Tag::Double => "double",
            Tag::DateTime => "dateTime.iso8601",
            Tag::Array => "array",
            Tag::Data => "data",
            Tag::Struct => "struct",
            Tag::Base64 => "base64",
            Tag::Param => "param",
            Tag::Value => "value",
            Tag::MethodName => "methodName",
            Tag::Params => "params",
            Tag::Fault => "fault",
            Tag::Nil => "nil",
            Tag::Other => "element",
        }
    }
}

/// An element still open: its tag, its own text (before its first child) and where its
/// closed children begin on the engine's stack of closed elements.
struct Open<'a> {
    tag: Tag,
    text: Option<Cow<'a, str>>,
    first_child: usize,
}

/// What a closed element stands for.
enum Obj<'a> {
    /// Python's `None`.
    None,
    /// The text of an element that is not a value type; it becomes a string only when
    /// something reads it, and stays a slice of the document until then.
    Text(Cow<'a, str>),
    /// A typed value.
    Value(Value),
}

impl Obj<'_> {
    fn into_value(self) -> Option<Value> {
        match self {
            Obj::None => None,
            Obj::Text(t) => Some(Value::String(t.into_owned())),
            Obj::Value(v) => Some(v),
        }
    }
}

/// A closed element: what it stands for and, when it had exactly two children (the name
/// and value of a struct member), what those stood for. Typed elements drop their
/// children; nothing else about children is ever read, so nothing else is kept.
struct Closed<'a> {
    obj: Obj<'a>,
    pair: Option<(Obj<'a>, Obj<'a>)>,
}

#[derive(Default)]
struct Outcome {
    method: Option<Option<String>>,
    params: Option<Vec<Value>>,
    fault: Option<Option<Value>>,
}

fn xml_err(offset: u64, message: impl Into<String>) -> ParseError {
    ParseError::Xml {
        offset,
        message: message.into(),
    }
}

/// XML 1.0's `Char` production (Rust strings already exclude surrogates).
fn is_xml_char(c: char) -> bool {
    !matches!(c, '\0'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f' | '\u{fffe}' | '\u{ffff}')
}

/// Python's `str.isspace` for the characters that matter here.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\x1c'..='\x1f')
}

/// Drops `_` between digits, as Python's `int()` and `float()` allow; `None` when an
/// underscore is not between two digits.
fn strip_underscores(s: &str) -> Option<String> {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' {
            let before = i > 0 && b[i - 1].is_ascii_digit();
            let after = b.get(i + 1).is_some_and(u8::is_ascii_digit);
            if !before || !after {
                return None;
            }
        }
    }
    Some(s.replace('_', ""))
}

/// Python's `int(text)`, limited to XML-RPC's 32-bit range.
fn parse_int(text: Option<&str>) -> Result<Value, ParseError> {
    let raw = text.unwrap_or("");
    let bad = |reason: &str| ParseError::BadValue {
        tag: "int",
        text: raw.to_owned(),
        reason: reason.to_owned(),
    };
    let t = raw.trim_matches(is_py_space);
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit() || c == b'_') {
        return Err(bad("not an integer"));
    }
    let cleaned = if t.contains('_') {
        Cow::Owned(strip_underscores(t).ok_or_else(|| bad("not an integer"))?)
    } else {
        Cow::Borrowed(t)
    };
    match cleaned.parse::<i64>() {
        Ok(n) => Value::int(n).map_err(|_| bad("int exceeds XML-RPC limits")),
        Err(_) => Err(bad("int exceeds XML-RPC limits")),
    }
}

/// Python's `float(text)`.
fn parse_double(text: Option<&str>) -> Result<Value, ParseError> {
    let raw = text.unwrap_or("");
    let bad = || ParseError::BadValue {
        tag: "double",
        text: raw.to_owned(),
        reason: "not a number".to_owned(),
    };
    let t = raw.trim_matches(is_py_space);
    let ok_chars = t
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.' | b'_'));
    if t.is_empty() || !ok_chars {
        return Err(bad());
    }
    let cleaned = strip_underscores(t).ok_or_else(bad)?;
    // Rust accepts the same spellings as Python apart from these, which Python refuses.
    let lower = cleaned.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    let named = matches!(body, "inf" | "infinity" | "nan");
    if !named && body.bytes().any(|c| c.is_ascii_alphabetic() && c != b'e') {
        return Err(bad());
    }
    cleaned.parse::<f64>().map(Value::Double).map_err(|_| bad())
}

/// `YYYYMMDDTHH:MM:SS` with real calendar ranges, the form `time.strptime` reads.
fn parse_datetime(text: Option<&str>) -> Result<Value, ParseError> {
    let raw = text.unwrap_or("");
    let b = raw.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = b.get(r)?;
        if s.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(s).ok()?.parse().ok()
        } else {
            None
        }
    };
    let valid = (|| {
        if b.len() != 17 || !matches!(b[8], b'T' | b't') || b[11] != b':' || b[14] != b':' {
            return None;
        }
        let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
        let (hh, mm, ss) = (num(9..11)?, num(12..14)?, num(15..17)?);
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let days = match m {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (y >= 1 && (1..=days).contains(&d) && hh < 24 && mm < 60 && ss < 60).then_some(())
    })();
    match valid {
        Some(()) => Ok(Value::DateTime(raw.to_owned())),
        None => Err(ParseError::BadValue {
            tag: "dateTime.iso8601",
            text: raw.to_owned(),
            reason: "does not match format '%Y%m%dT%H:%M:%S'".to_owned(),
        }),
    }
}

/// Python's `base64.decodebytes` (binascii's non-strict mode): characters outside the
/// alphabet are skipped and decoding stops once padding completes a quantum.
pub(crate) fn decode_base64_lenient(input: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let (mut quad, mut left, mut pads, mut ndata) = (0u8, 0u8, 0usize, 0usize);
    for &c in input {
        if c == b'=' {
            pads += 1;
            if quad >= 2 && usize::from(quad) + pads >= 4 {
                return Ok(out);
            }
            continue;
        }
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        ndata += 1;
        match quad {
            0 => {
                left = v;
                quad = 1;
            }
            1 => {
                out.push((left << 2) | (v >> 4));
                left = v & 0x0f;
                quad = 2;
            }
            2 => {
                out.push((left << 4) | (v >> 2));
                left = v & 0x03;
                quad = 3;
            }
            _ => {
                out.push((left << 6) | v);
                quad = 0;
            }
        }
    }
    match quad {
        0 => Ok(out),
        1 => Err(format!(
            "Invalid base64-encoded string: number of data characters ({ndata}) cannot be 1 more than a multiple of 4"
        )),
        _ => Err("Incorrect padding".to_owned()),
    }
}

struct Engine<'a> {
    dialect: Dialect,
    src: &'a str,
    stack: Vec<Open<'a>>,
    /// The closed children of every open element, innermost element's last: a flat
    /// stack, so closing an element allocates nothing for its children.
    closed: Vec<Closed<'a>>,
    outcome: Outcome,
}

impl<'a> Engine<'a> {
    /// The first child's object (the children are dropped by the caller).
    fn take_first(&mut self, first_child: usize, tag: Tag) -> Result<Obj<'a>, ParseError> {
        match self.closed.get_mut(first_child) {
            Some(child) => Ok(std::mem::replace(&mut child.obj, Obj::None)),
            None => Err(ParseError::Structure {
                tag: tag.name(),
                reason: "has no child element",
            }),
        }
    }

    fn struct_value(&mut self, first_child: usize) -> Result<Value, ParseError> {
        let mut members = Vec::with_capacity(self.closed.len() - first_child);
        for member in self.closed.drain(first_child..) {
            let Some((k, v)) = member.pair else {
                return Err(ParseError::Structure {
                    tag: "struct",
                    reason: "a member does not hold exactly a name and a value",
                });
            };
            let key = match k {
                Obj::None => String::new(),
                Obj::Text(t) => t.into_owned(),
                Obj::Value(Value::String(s)) => s,
                Obj::Value(_) => {
                    return Err(ParseError::Structure {
                        tag: "struct",
                        reason: "a member name is not a string",
                    });
                }
            };
            members.push((key, v.into_value().unwrap_or(Value::Nil)));
        }
        Ok(Value::structure(members))
    }

    /// What a closing element becomes, as Supervisor's unmarshallers (or Python's
    /// client) compute it from the element's own text and its closed children, which
    /// are `self.closed[first_child..]` and are gone afterwards.
    fn close(&mut self, open: Open<'a>) -> Result<Closed<'a>, ParseError> {
        let Open {
            tag,
            text,
            first_child,
        } = open;
        let client = self.dialect == Dialect::Client;
        let owned = |text: Option<Cow<'a, str>>| text.map(Cow::into_owned).unwrap_or_default();
        let obj = match tag {
            Tag::Int => Obj::Value(parse_int(text.as_deref())?),
            Tag::Boolean => {
                let t = text.as_deref().unwrap_or("");
                if client && t != "0" && t != "1" {
                    return Err(ParseError::BadValue {
                        tag: "boolean",
                        text: t.to_owned(),
                        reason: "bad boolean value".to_owned(),
                    });
                }
                Obj::Value(Value::Bool(t == "1"))
            }
            Tag::String => Obj::Value(Value::String(owned(text))),
            Tag::Double => Obj::Value(parse_double(text.as_deref())?),
            Tag::DateTime if client => Obj::Value(Value::DateTime(owned(text))),
            Tag::DateTime => Obj::Value(parse_datetime(text.as_deref())?),
            Tag::Array | Tag::Param => self.take_first(first_child, tag)?,
            Tag::Data => Obj::Value(Value::Array(
                self.closed
                    .drain(first_child..)
                    .map(|c| c.obj.into_value().unwrap_or(Value::Nil))
                    .collect(),
            )),
            Tag::Struct => Obj::Value(self.struct_value(first_child)?),
            Tag::Base64 => {
                let raw = text.as_deref().unwrap_or("");
                let bytes = decode_base64_lenient(raw.as_bytes()).map_err(|reason| {
                    ParseError::BadValue {
                        tag: "base64",
                        text: raw.to_owned(),
                        reason,
                    }
                })?;
                if client {
                    Obj::Value(Value::Base64(bytes))
                } else {
                    // Supervisor hands methods the decoded bytes as UTF-8 text.
                    let s = String::from_utf8(bytes).map_err(|_| ParseError::BadValue {
                        tag: "base64",
                        text: raw.to_owned(),
                        reason: "decoded bytes are not UTF-8".to_owned(),
                    })?;
                    Obj::Value(Value::String(s))
                }
            }
            Tag::Value if self.closed.len() > first_child => self.take_first(first_child, tag)?,
            Tag::Value => Obj::Text(text.unwrap_or_default()),
            Tag::Nil => Obj::Value(Value::Nil),
            Tag::MethodName | Tag::Params | Tag::Fault | Tag::Other => {
                let children = &mut self.closed[first_child..];
                match tag {
                    Tag::MethodName => {
                        self.outcome.method = Some(text.as_deref().map(str::to_owned))
                    }
                    Tag::Params => {
                        // The values move out; only a nonsensical document (a
                        // <params> inside a <struct>) could read them again there.
                        let params = children
                            .iter_mut()
                            .map(|c| {
                                std::mem::replace(&mut c.obj, Obj::None)
                                    .into_value()
                                    .unwrap_or(Value::Nil)
                            })
                            .collect();
                        self.outcome.params = Some(params);
                    }
                    Tag::Fault => {
                        self.outcome.fault =
                            Some(children.first_mut().and_then(|c| {
                                std::mem::replace(&mut c.obj, Obj::None).into_value()
                            }));
                    }
                    _ => {}
                }
                let pair = match self.closed.len() - first_child {
                    2 => {
                        let mut two = self.closed.drain(first_child..).map(|c| c.obj);
                        two.next().zip(two.next())
                    }
                    _ => None,
                };
                self.closed.truncate(first_child);
                return Ok(Closed {
                    obj: text.map_or(Obj::None, Obj::Text),
                    pair,
                });
            }
        };
        self.closed.truncate(first_child);
        Ok(Closed { obj, pair: None })
    }

    /// Closes the innermost open element; `true` when that was the root.
    fn close_top(&mut self, offset: u64) -> Result<bool, ParseError> {
        let Some(open) = self.stack.pop() else {
            return Err(xml_err(offset, "unexpected end tag"));
        };
        let closed = self.close(open)?;
        if self.stack.is_empty() {
            return Ok(true);
        }
        self.closed.push(closed);
        Ok(false)
    }

    fn push_text(&mut self, s: Cow<'a, str>, offset: u64, strict: bool) -> Result<(), ParseError> {
        if strict && let Some(c) = s.chars().find(|c| !is_xml_char(*c)) {
            return Err(xml_err(
                offset,
                format!("not well-formed (invalid character {c:?})"),
            ));
        }
        let nclosed = self.closed.len();
        match self.stack.last_mut() {
            Some(open) if open.first_child == nclosed => {
                match &mut open.text {
                    Some(text) => text.to_mut().push_str(&s),
                    None => open.text = Some(s),
                }
                Ok(())
            }
            // Text after a child is that child's tail, which nothing reads.
            Some(_) => Ok(()),
            None if s.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n')) => Ok(()),
            None => Err(xml_err(
                offset,
                "syntax error (text outside the root element)",
            )),
        }
    }

    /// The text of a `Text` event that ended at byte `end`, as a slice of the document
    /// (already checked as UTF-8 once), with XML 1.0's line ends (`\r\n`, `\r`) as `\n`.
    fn event_text(&self, raw: &[u8], end: usize, offset: u64) -> Result<Cow<'a, str>, ParseError> {
        let src: &'a str = self.src;
        let text = match end
            .checked_sub(raw.len())
            .and_then(|start| src.get(start..end))
        {
            Some(text) if text.as_bytes() == raw => text,
            // Not where the reader said: decode the event's own bytes instead.
            _ => {
                return std::str::from_utf8(raw)
                    .map(|t| Cow::Owned(normalize_eols(t).into_owned()))
                    .map_err(|e| xml_err(offset, e.to_string()));
            }
        };
        Ok(normalize_eols(text))
    }

    fn run(mut self) -> Result<Outcome, ParseError> {
        let strict = self.dialect == Dialect::Server;
        let mut reader = quick_xml::Reader::from_str(self.src);
        let mut root_done = false;
        loop {
            let offset = reader.buffer_position();
            let event = reader
                .read_event()
                .map_err(|e| xml_err(reader.error_position(), e.to_string()))?;
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    if root_done {
                        return Err(xml_err(offset, "junk after document element"));
                    }
                    if self.stack.len() >= MAX_DEPTH {
                        return Err(xml_err(offset, "elements nested too deeply"));
                    }
                    let tag = Tag::classify(e.name().as_ref(), self.dialect);
                    self.stack.push(Open {
                        tag,
                        text: None,
                        first_child: self.closed.len(),
                    });
                    if matches!(event, Event::Empty(_)) {
                        root_done = self.close_top(offset)?;
                    }
                }
                Event::End(_) => root_done = self.close_top(offset)?,
                Event::Text(t) => {
                    let end = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
                    let s = self.event_text(&t, end, offset)?;
                    self.push_text(s, offset, strict)?;
                }
                Event::CData(t) => {
                    let s = t
                        .xml10_content()
                        .map_err(|e| xml_err(offset, e.to_string()))?;
                    if self.stack.is_empty() {
                        return Err(xml_err(offset, "CDATA outside the root element"));
                    }
                    self.push_text(s, offset, strict)?;
                }
                Event::GeneralRef(r) => {
                    let c = if r.is_char_ref() {
                        r.resolve_char_ref()
                            .map_err(|e| xml_err(offset, e.to_string()))?
                    } else {
                        match r.as_ref() {
                            b"lt" => Some('<'),
                            b"gt" => Some('>'),
                            b"amp" => Some('&'),
                            b"apos" => Some('\''),
                            b"quot" => Some('"'),
                            _ => None,
                        }
                    };
                    let Some(c) = c else {
                        return Err(xml_err(offset, "undefined entity"));
                    };
                    if strict && !is_xml_char(c) {
                        return Err(xml_err(offset, "reference to invalid character number"));
                    }
                    if self.stack.is_empty() {
                        return Err(xml_err(offset, "reference outside the root element"));
                    }
                    self.push_text(Cow::Owned(c.to_string()), offset, strict)?;
                }
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
                Event::Eof => {
                    if !root_done {
                        return Err(xml_err(offset, "no element found"));
                    }
                    return Ok(self.outcome);
                }
            }
        }
    }
}

/// XML 1.0's end-of-line handling: `\r\n` and a lone `\r` read as `\n`.
fn normalize_eols(text: &str) -> Cow<'_, str> {
    if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

fn run(body: &[u8], dialect: Dialect) -> Result<Outcome, ParseError> {
    let src = std::str::from_utf8(body).map_err(|e| ParseError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    Engine {
        dialect,
        src,
        stack: Vec::new(),
        closed: Vec::new(),
        outcome: Outcome::default(),
    }
    .run()
}

/// Parses a request body as Supervisor does.
pub(crate) fn parse_call(body: &[u8]) -> Result<MethodCall, ParseError> {
    let out = run(body, Dialect::Server)?;
    let name = match out.method {
        Some(Some(name)) if !name.is_empty() => name,
        _ => return Err(ParseError::NoMethodName),
    };
    Ok(MethodCall {
        name,
        params: out.params.unwrap_or_default(),
    })
}

/// Parses a reply body as Python's `xmlrpc.client` does: `Ok(Ok(value))` for a value,
/// `Ok(Err(fault))` for a fault.
pub fn parse_response(body: &[u8]) -> Result<Result<Value, Fault>, ParseError> {
    if let Some(value) = std::str::from_utf8(body)
        .ok()
        .and_then(layout::response_value)
    {
        return Ok(Ok(value));
    }
    engine_response(body)
}

/// [`parse_response`] by the general engine alone.
fn engine_response(body: &[u8]) -> Result<Result<Value, Fault>, ParseError> {
    let out = run(body, Dialect::Client)?;
    if let Some(fault) = out.fault {
        return fault
            .as_ref()
            .and_then(Fault::from_value)
            .map(Err)
            .ok_or(ParseError::Structure {
                tag: "fault",
                reason: "does not hold a faultCode int and a faultString string",
            });
    }
    match out.params {
        Some(params) => {
            let mut it = params.into_iter();
            match (it.next(), it.next()) {
                (Some(v), None) => Ok(Ok(v)),
                _ => Err(ParseError::Structure {
                    tag: "params",
                    reason: "a response must hold exactly one param",
                }),
            }
        }
        None => Err(ParseError::NoResponse),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(body: &str) -> Result<MethodCall, ParseError> {
        parse_call(body.as_bytes())
    }

    fn params(body: &str) -> Vec<Value> {
        call(&format!(
            "<methodCall><methodName>m.x</methodName><params>{body}</params></methodCall>"
        ))
        .unwrap()
        .params
    }

    fn s(x: &str) -> Value {
        Value::String(x.to_owned())
    }

    #[test]
    fn supervisor_iterparse_fixture() {
        // Supervisor's own loader test (tests/test_xmlrpc.py, test_iterparse_loads_methodcall).
        let body = r#"<?xml version="1.0"?>
        <methodCall>
        <methodName>examples.getStateName</methodName>
        <params>
        <param>
        <value><i4>41</i4></value>
        </param>
        <param>
        <value><string>foo</string></value>
        </param>
        <param>
        <value><string></string></value>
        </param>
        <param>
        <!-- xml-rpc spec allows strings without <string> tag -->
        <value>bar</value>
        </param>
        <param>
        <value></value>
        </param>
        <param>
        <value><boolean>1</boolean></value>
        </param>
        <param>
        <value><double>-12.214</double></value>
        </param>
        <param>
        <value>
        <dateTime.iso8601>19980717T14:08:55</dateTime.iso8601>
        </value>
        </param>
        <param>
        <value><base64>eW91IGNhbid0IHJlYWQgdGhpcyE=</base64></value>
        </param>
        <param>
        <struct>
        <member><name>j</name><value><i4>5</i4></value></member>
        <member><name>k</name><value>abc</value></member>
        </struct>
        </param>
        <param>
        <array>
          <data>
            <value><i4>12</i4></value>
            <value><string>abc</string></value>
            <value>def</value>
            <value><i4>34</i4></value>
          </data>
        </array>
        </param>
        <param>
        <struct>
          <member>
            <name>k</name>
            <value><array><data>
              <value><i4>1</i4></value>
              <struct></struct>
            </data></array></value>
          </member>
        </struct>
        </param>
        </params>
        </methodCall>
        "#;
        let c = call(body).unwrap();
        assert_eq!(c.name, "examples.getStateName");
        assert_eq!(
            c.params,
            vec![
                Value::Int(41),
                s("foo"),
                s(""),
                s("bar"),
                s(""),
                Value::Bool(true),
                Value::Double(-12.214),
                Value::DateTime("19980717T14:08:55".into()),
                s("you can't read this!"),
                Value::structure([("j", Value::Int(5)), ("k", s("abc"))]),
                Value::Array(vec![Value::Int(12), s("abc"), s("def"), Value::Int(34)]),
                Value::structure([(
                    "k",
                    Value::Array(vec![Value::Int(1), Value::Struct(vec![])])
                )]),
            ]
        );
    }

    #[test]
    fn python_client_request_parses() {
        let c = MethodCall::new(
            "supervisor.startProcess",
            vec![s("web:web_00 & <co>"), Value::Bool(false), Value::Int(-3)],
        );
        assert_eq!(MethodCall::parse(c.encode().as_bytes()).unwrap(), c);
    }

    #[test]
    fn missing_params_means_none_and_method_name_is_required() {
        let c = call("<methodCall><methodName>a.b</methodName></methodCall>").unwrap();
        assert_eq!(c.params, vec![]);
        assert_eq!(call("<a></a>"), Err(ParseError::NoMethodName));
        assert_eq!(
            call("<methodCall><methodName></methodName></methodCall>"),
            Err(ParseError::NoMethodName)
        );
    }

    #[test]
    fn malformed_xml_is_an_error() {
        for bad in [
            "<a><b",
            "",
            "   ",
            "<a></b>",
            "<a>&nosuch;</a>",
            "<a></a><b></b>",
            "<a></a>junk",
            "<a>\u{1}</a>",
            "<a>&#1;</a>",
        ] {
            assert!(
                matches!(call(bad), Err(ParseError::Xml { .. })),
                "{bad:?} gave {:?}",
                call(bad)
            );
        }
        assert_eq!(
            parse_call(b"<a>\xff</a>"),
            Err(ParseError::NotUtf8 { offset: 3 })
        );
    }

    #[test]
    fn entities_and_line_ends_are_decoded() {
        assert_eq!(
            params("<param><value>a&amp;&lt;&gt;&quot;&apos;&#65;&#x42;\r\nc\rd</value></param>"),
            vec![s("a&<>\"'AB\nc\nd")]
        );
        assert_eq!(
            params("<param><value><string><![CDATA[<x>]]></string></value></param>"),
            vec![s("<x>")]
        );
        assert_eq!(params("<param><value>&#13;</value></param>"), vec![s("\r")]);
    }

    #[test]
    fn text_pieces_join_and_tails_are_dropped() {
        // Pieces around comments, references and CDATA are one text; text after a
        // child element (its tail) is not part of the parent's text.
        assert_eq!(
            params(
                "<param><value>a<!--c-->b&amp;<![CDATA[\r\n]]>c\r\n</value></param>\
                 <param><value><string>x</string>tail</value></param>"
            ),
            vec![s("ab&\nc\n"), s("x")]
        );
        let reply = "<methodResponse><params><param><value><struct>\r\n\
                     <member><name>k\r</name><value>v\r\nw</value></member>\
                     </struct></value></param></params></methodResponse>";
        assert_eq!(
            parse_response(reply.as_bytes()).unwrap(),
            Ok(Value::structure([("k\n", s("v\nw"))]))
        );
    }

    #[test]
    fn scalar_conversions_follow_python() {
        assert_eq!(
            params(
                "<param><value><int> +1_000 </int></value></param>\
                 <param><value><boolean>true</boolean></value></param>\
                 <param><value><boolean>1</boolean></value></param>\
                 <param><value><double> 1e3 </double></value></param>\
                 <param><value><double>-inf</double></value></param>\
                 <param><value><i8>5</i8></value></param>\
                 <param><value><foo>bar</foo></value></param>\
                 <param><value><nil/></value></param>"
            ),
            vec![
                Value::Int(1000),
                Value::Bool(false),
                Value::Bool(true),
                Value::Double(1000.0),
                Value::Double(f64::NEG_INFINITY),
                // Supervisor knows no <i8> or <nil/>: they yield their text.
                s("5"),
                s("bar"),
                Value::Nil,
            ]
        );
        for bad in [
            "<int></int>",
            "<int>1.5</int>",
            "<int>2147483648</int>",
            "<int>1__0</int>",
            "<double>x</double>",
            "<double>1e</double>",
            "<dateTime.iso8601>20240230T10:00:00</dateTime.iso8601>",
            "<base64>YQ</base64>",
            "<base64>/w==</base64>",
        ] {
            let body = format!(
                "<methodCall><methodName>m.x</methodName><params><param><value>{bad}</value></param></params></methodCall>"
            );
            assert!(
                matches!(call(&body), Err(ParseError::BadValue { .. })),
                "{bad}: {:?}",
                call(&body)
            );
        }
    }

    #[test]
    fn structure_errors() {
        for bad in [
            "<param></param>",
            "<param><value><array></array></value></param>",
            "<param><value><struct><member><name>a</name></member></struct></value></param>",
            "<param><value><struct><value>a</value></struct></value></param>",
        ] {
            let body = format!(
                "<methodCall><methodName>m.x</methodName><params>{bad}</params></methodCall>"
            );
            assert!(
                matches!(call(&body), Err(ParseError::Structure { .. })),
                "{bad}: {:?}",
                call(&body)
            );
        }
    }

    #[test]
    fn struct_keeps_order_and_last_duplicate() {
        assert_eq!(
            params(
                "<param><value><struct>\
                 <member><name>b</name><value><int>1</int></value></member>\
                 <member><name>a</name><value><int>2</int></value></member>\
                 <member><name>b</name><value><int>3</int></value></member>\
                 <member><name></name><value/></member>\
                 </struct></value></param>"
            ),
            vec![Value::Struct(vec![
                ("b".into(), Value::Int(3)),
                ("a".into(), Value::Int(2)),
                ("".into(), s("")),
            ])]
        );
    }

    #[test]
    fn base64_is_lenient_like_binascii() {
        assert_eq!(decode_base64_lenient(b"YW Jj").unwrap(), b"abc");
        assert_eq!(decode_base64_lenient(b"YQ==YQ==").unwrap(), b"a");
        assert_eq!(decode_base64_lenient(b"YQ=a=").unwrap(), b"a\x06");
        assert_eq!(decode_base64_lenient(b"YWJ=j").unwrap(), b"ab");
        assert_eq!(decode_base64_lenient(b"=YQ==").unwrap(), b"a");
        assert_eq!(
            decode_base64_lenient(b"YQ=").unwrap_err(),
            "Incorrect padding"
        );
        assert!(
            decode_base64_lenient(b"Y")
                .unwrap_err()
                .contains("(1) cannot be 1 more")
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        let body = format!(
            "<methodCall><methodName>a.b</methodName>{}{}</methodCall>",
            "<a>".repeat(MAX_DEPTH),
            "</a>".repeat(MAX_DEPTH)
        );
        assert!(matches!(call(&body), Err(ParseError::Xml { .. })));
    }

    #[test]
    fn layout_shortcut_agrees_with_the_engine() {
        // Documents in dumps' layout, then copies with pieces inserted, removed or
        // replaced: whatever the shortcut reads, the engine must read the same way.
        let info = Value::structure([
            ("name", Value::from("a&b<c>")),
            ("group", Value::from("g\r\nx")),
            ("pid", Value::Int(-5)),
            ("ok", Value::Bool(true)),
            ("d", Value::Double(1.25)),
            ("b", Value::Base64(b"hi".to_vec())),
            ("n", Value::Nil),
            ("empty", Value::from("")),
        ]);
        let seeds = [
            crate::encode_response(&Value::Array(vec![
                info.clone(),
                info,
                Value::Array(vec![]),
            ])),
            "<methodResponse><params><param><value><struct><member><name>a</name>\
             <value>x&amp;y</value></member></struct></value></param></params></methodResponse>"
                .to_owned(),
        ];
        let pieces = [
            "<",
            ">",
            "]]>",
            "&amp;",
            "&#65;",
            "&x;",
            "&",
            "\r",
            "\r\n",
            " ",
            "\u{0}",
            "<!--c-->",
            "<value>",
            "</value>",
            "<string>",
            "</string>",
            "<int>",
            "</int>",
            "+1_0",
            "<i8>",
            "<boolean>",
            "2",
            "<nil/>",
            "<value/>",
            "<struct>",
            "</struct>",
            "<member>",
            "</member>",
            "<name>",
            "</name>",
            "<array><data>",
            "</data></array>",
            " a='1'",
            "<?xml version=\"1.0\"?>",
            "<fault>",
            "\u{e9}",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        // Values, good and bad, for arrays built from them.
        let values = [
            "<value><boolean>2</boolean></value>",
            "<value><boolean>1</boolean></value>",
            "<value><int> 7 </int></value>",
            "<value><int>1_0</int></value>",
            "<value><int>+8</int></value>",
            "<value><i4>99999999999</i4></value>",
            "<value><int></int></value>",
            "<value><double>x</double></value>",
            "<value><double> 1e3 </double></value>",
            "<value><float>inf</float></value>",
            "<value><base64>Y</base64></value>",
            "<value><base64>YWJj\n</base64></value>",
            "<value><dateTime.iso8601>x</dateTime.iso8601></value>",
            "<value><string>a&lt;b</string></value>",
            "<value><nil/></value>",
            "<value><ex:nil/></value>",
            "<value>\r\n</value>",
            "<value><struct><member><name>k</name><value>1</value></member>\
             <member><name>k</name><value>2</value></member></struct></value>",
            "<value><struct><member><name></name><value/></member></struct></value>",
        ];
        let mut shortcut_read = 0;
        for i in 0..20_000 {
            let mut doc = if i % 4 == 3 {
                let mut doc = "<methodResponse><params><param><value><array><data>\n".to_owned();
                for _ in 0..1 + next(4) {
                    doc.push_str(values[next(values.len())]);
                    doc.push('\n');
                }
                doc + "</data></array></value></param></params></methodResponse>"
            } else {
                seeds[i % seeds.len()].clone()
            };
            for _ in 0..(i % 3) {
                let mut at = next(doc.len() + 1);
                while !doc.is_char_boundary(at) {
                    at -= 1;
                }
                let mut end = (at + next(6)).min(doc.len());
                while !doc.is_char_boundary(end) {
                    end -= 1;
                }
                let piece = if next(3) == 0 {
                    ""
                } else {
                    pieces[next(pieces.len())]
                };
                doc.replace_range(at..end, piece);
            }
            let Some(fast) = layout::response_value(&doc) else {
                continue;
            };
            shortcut_read += 1;
            let engine = engine_response(doc.as_bytes());
            assert_eq!(
                format!("{engine:?}"),
                format!("{:?}", Ok::<_, ParseError>(Ok::<_, Fault>(fast))),
                "{doc:?}"
            );
        }
        assert!(
            shortcut_read > 5_000,
            "only {shortcut_read} documents took the shortcut"
        );
    }

    #[test]
    fn responses_parse_like_python_client() {
        let ok = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n<value><i8>7</i8></value>\n<value><nil/></value><value>x</value>\n</data></array></value>\n</param>\n</params>\n</methodResponse>\n";
        assert_eq!(
            parse_response(ok.as_bytes()).unwrap(),
            Ok(Value::Array(vec![Value::Int(7), Value::Nil, s("x")]))
        );
        let fault = crate::encode_fault(&Fault {
            code: 2,
            string: "INCORRECT_PARAMETERS".into(),
        });
        assert_eq!(
            parse_response(fault.as_bytes()).unwrap(),
            Err(Fault {
                code: 2,
                string: "INCORRECT_PARAMETERS".into()
            })
        );
        // The client tolerates control characters that Python's expat refuses.
        let ctl = "<methodResponse><params><param><value>a\u{1b}[0m</value></param></params></methodResponse>";
        assert_eq!(parse_response(ctl.as_bytes()).unwrap(), Ok(s("a\u{1b}[0m")));
        assert_eq!(
            parse_response(b"<methodResponse></methodResponse>"),
            Err(ParseError::NoResponse)
        );
        assert!(matches!(
            parse_response(b"<methodResponse><params><param><value><boolean>2</boolean></value></param></params></methodResponse>"),
            Err(ParseError::BadValue { tag: "boolean", .. })
        ));
        assert!(matches!(
            parse_response(
                b"<methodResponse><fault><value><int>1</int></value></fault></methodResponse>"
            ),
            Err(ParseError::Structure { tag: "fault", .. })
        ));
    }
}
