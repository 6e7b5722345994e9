//! Small reproductions of the Python built-ins whose behaviour leaks into Supervisor's
//! configuration semantics and error texts: `str.isspace`, `str.strip`, `repr(str)`,
//! `int(str)` and the `%` operator applied to a mapping.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Python's `str.isspace` for one character (from the types crate).
pub use supervisor_types::py_isspace as is_space;
/// Python's `repr()` of a `str` (from the types crate).
pub use supervisor_types::py_repr as repr;

/// Python's `str.strip()` with no argument.
pub fn strip(s: &str) -> &str {
    let b = s.as_bytes();
    // Nothing to strip when both ends are ASCII and not white space (the usual case).
    match (b.first(), b.last()) {
        (Some(&f), Some(&l)) if is_plain_ascii(f) && is_plain_ascii(l) => s,
        _ => s.trim_matches(is_space),
    }
}

/// Whether `b` is an ASCII byte that Python's `str.isspace` rejects (the ASCII white
/// space is `\t`–`\r`, `\x1c`–`\x1f` and the space).
#[inline]
pub(crate) fn is_plain_ascii(b: u8) -> bool {
    b.is_ascii() && !matches!(b, b'\t'..=b'\r' | 0x1c..=b' ')
}

/// Python's `str.rstrip()` with no argument.
pub(crate) fn rstrip(s: &str) -> &str {
    match s.as_bytes().last() {
        Some(&l) if is_plain_ascii(l) => s,
        _ => s.trim_end_matches(is_space),
    }
}

/// Python's `str.lower`, without the Unicode tables (or an allocation) when `s` is
/// ASCII (or already lower-case ASCII).
pub(crate) fn lower(s: &str) -> Cow<'_, str> {
    if !s.is_ascii() {
        Cow::Owned(s.to_lowercase())
    } else if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// Python's `str.split()` with no argument: runs of white space separate words.
pub fn split_whitespace(s: &str) -> impl Iterator<Item = &str> {
    s.split(is_space).filter(|w| !w.is_empty())
}

/// Python's `ascii()` applied to a `repr` text: every non-ASCII character escaped.
fn escape_non_ascii(r: &str) -> String {
    let mut out = String::new();
    for c in r.chars() {
        let u = c as u32;
        if u < 0x80 {
            out.push(c);
        } else if u < 0x100 {
            let _ = write!(out, "\\x{u:02x}");
        } else if u < 0x10000 {
            let _ = write!(out, "\\u{u:04x}");
        } else {
            let _ = write!(out, "\\U{u:08x}");
        }
    }
    out
}

/// `repr` truncated the way CPython's `%.200R` does in `int()`'s error message.
fn repr_200(s: &str) -> String {
    repr(s).chars().take(200).collect()
}

/// Python's `int(s, base)` for `str` input, limited to `i64`.
///
/// Accepts surrounding white space, a sign, single underscores between digits and,
/// for base 8, the `0o` prefix. The error text is Python's (`invalid literal for int()
/// with base 10: 'x'`); values beyond `i64` are refused with an `out of range` text.
pub fn int(s: &str, base: u32) -> Result<i64, String> {
    parse_int(s, base).map_err(|e| match e {
        IntError::Invalid => format!(
            "invalid literal for int() with base {base}: {}",
            repr_200(s)
        ),
        IntError::OutOfRange => format!("{} is out of range", repr_200(s)),
    })
}

/// Why [`parse_int`] refused a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntError {
    /// Python's `int()` would raise `ValueError`.
    Invalid,
    /// Python's `int()` would accept it, but it does not fit an `i64`.
    OutOfRange,
}

/// [`int`] without building the error text.
pub(crate) fn parse_int(s: &str, base: u32) -> Result<i64, IntError> {
    // The usual text: up to 18 decimal digits, which cannot overflow.
    let b = s.as_bytes();
    if base == 10 && !b.is_empty() && b.len() <= 18 && b.iter().all(u8::is_ascii_digit) {
        return Ok(b.iter().fold(0, |v, &d| v * 10 + i64::from(d - b'0')));
    }
    let t = strip(s);
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let rest = if base == 8 {
        match rest.get(..2) {
            Some(p) if p.eq_ignore_ascii_case("0o") => {
                let r = &rest[2..];
                r.strip_prefix('_').unwrap_or(r)
            }
            _ => rest,
        }
    } else {
        rest
    };
    if rest.is_empty()
        || rest.starts_with('_')
        || rest.ends_with('_')
        || rest.as_bytes().windows(2).any(|w| w == b"__")
    {
        return Err(IntError::Invalid);
    }
    let mut value: i128 = 0;
    let mut too_big = false;
    for c in rest.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(base).ok_or(IntError::Invalid)?;
        if !too_big {
            value = value * i128::from(base) + i128::from(d);
            too_big = value > i128::from(i64::MAX) + 1;
        }
    }
    if too_big {
        return Err(IntError::OutOfRange);
    }
    let value = if neg { -value } else { value };
    i64::try_from(value).map_err(|_| IntError::OutOfRange)
}

/// A value an expansion name stands for: Supervisor's expansions are strings, except
/// `process_num` and `numprocs`, which are integers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A `str`.
    Str(String),
    /// An `int`.
    Int(i64),
}

impl Value {
    fn repr(&self) -> String {
        match self {
            Value::Str(s) => repr(s),
            Value::Int(i) => i.to_string(),
        }
    }
}

/// An insertion-ordered mapping of expansion names, as the Python `dict` Supervisor
/// passes to `%`. Setting an existing name keeps its position.
///
/// [`Expansions::clear`] keeps the cleared names' buffers, and later insertions reuse
/// them, so a mapping that is cleared and refilled for every section or process
/// allocates only when it grows.
#[derive(Clone, Default)]
pub struct Expansions {
    /// The entries; only the first `live` are in the mapping, the rest are spare
    /// buffers.
    slots: Vec<Slot>,
    live: usize,
    /// The union of the live names' [`Tag::bit`]s: a lookup skips a mapping whose
    /// filter lacks the name's bit.
    filter: u64,
}

/// One name and its value; `tag` is [`Tag`] of the name, compared before the text.
#[derive(Clone, PartialEq, Eq)]
struct Slot {
    name: String,
    tag: Tag,
    value: Value,
}

/// A name's length and first 8 bytes: equal tags mean equal names when the names
/// are at most 8 bytes long, and a cheap mismatch otherwise.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
struct Tag {
    len: usize,
    head: u64,
}

impl Tag {
    /// The tag of the name `prefix` followed by `rest`.
    fn of_parts(prefix: &[u8], rest: &[u8]) -> Tag {
        let mut head = [0u8; 8];
        let mut k = 0;
        for &b in prefix.iter().take(8) {
            head[k] = b;
            k += 1;
        }
        for &b in rest.iter().take(8 - k) {
            head[k] = b;
            k += 1;
        }
        Tag {
            len: prefix.len() + rest.len(),
            head: u64::from_le_bytes(head),
        }
    }

    /// One bit chosen by the length and the first bytes, for [`Expansions`]' filter.
    #[inline]
    fn bit(self) -> u64 {
        let h = (self.head ^ (self.len as u64)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        1 << (h >> 58)
    }

    fn of(name: &str) -> Tag {
        match name.as_bytes().first_chunk::<8>() {
            Some(head) => Tag {
                len: name.len(),
                head: u64::from_le_bytes(*head),
            },
            None => Tag::of_parts(name.as_bytes(), &[]),
        }
    }
}

impl Slot {
    /// Whether this slot's name is `name`, whose tag is `tag`.
    #[inline]
    fn is(&self, tag: Tag, name: &str) -> bool {
        self.tag == tag && (tag.len <= 8 || self.name.as_bytes()[8..] == name.as_bytes()[8..])
    }

    /// Whether this slot's name is `prefix` followed by `rest`, whose tag is `tag`.
    fn is_joined(&self, tag: Tag, prefix: &str, rest: &str) -> bool {
        self.tag == tag
            && (tag.len <= 8 || {
                let n = self.name.as_bytes();
                n.starts_with(prefix.as_bytes()) && n.ends_with(rest.as_bytes())
            })
    }
}

impl Expansions {
    /// An empty mapping.
    pub fn new() -> Self {
        Self::default()
    }

    fn entries(&self) -> &[Slot] {
        &self.slots[..self.live]
    }

    fn entries_mut(&mut self) -> &mut [Slot] {
        &mut self.slots[..self.live]
    }

    /// Appends an entry, reusing a spare slot's buffers when there is one.
    fn push_with(&mut self, name: impl FnOnce(&mut String), value: ValueRef<'_>) {
        if self.live == self.slots.len() {
            self.slots.push(Slot {
                name: String::new(),
                tag: Tag::default(),
                value: Value::Int(0),
            });
        }
        let slot = &mut self.slots[self.live];
        slot.name.clear();
        name(&mut slot.name);
        slot.tag = Tag::of(&slot.name);
        self.filter |= slot.tag.bit();
        value.store(&mut slot.value);
        self.live += 1;
    }

    fn set_ref(&mut self, name: &str, value: ValueRef<'_>) {
        let tag = Tag::of(name);
        match self.entries_mut().iter_mut().find(|s| s.is(tag, name)) {
            Some(slot) => value.store(&mut slot.value),
            None => self.push_with(|k| k.push_str(name), value),
        }
    }

    /// Sets `name` to `value` and returns its position, for [`Expansions::set_at`].
    pub(crate) fn set_index(&mut self, name: &str, value: Value) -> usize {
        self.set(name, value);
        let tag = Tag::of(name);
        self.entries()
            .iter()
            .position(|s| s.is(tag, name))
            .unwrap_or_default()
    }

    /// Sets the value of the entry at `index` (a position [`Expansions::set_index`]
    /// returned, with no [`Expansions::clear`] since).
    pub(crate) fn set_at(&mut self, index: usize, value: Value) {
        ValueRef::of(&value).store(&mut self.entries_mut()[index].value);
    }

    /// Sets `name` to a string value.
    pub fn set_str(&mut self, name: &str, value: &str) {
        self.set_ref(name, ValueRef::Str(value));
    }

    /// Sets `name` to `value`.
    pub fn set(&mut self, name: &str, value: Value) {
        self.set_ref(name, ValueRef::of(&value));
    }

    /// Copies every entry of `other` into `self`, as `dict.update`.
    pub fn update(&mut self, other: &Expansions) {
        for s in other.entries() {
            self.set_ref(&s.name, ValueRef::of(&s.value));
        }
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.get_tagged(Tag::of(name), name)
    }

    #[inline(always)]
    fn get_tagged(&self, tag: Tag, name: &str) -> Option<&Value> {
        if self.filter & tag.bit() == 0 {
            return None;
        }
        self.entries()
            .iter()
            .find(|s| s.is(tag, name))
            .map(|s| &s.value)
    }

    /// Whether the name `{prefix}{rest}` is set.
    pub(crate) fn contains_joined(&self, prefix: &str, rest: &str) -> bool {
        let tag = Tag::of_parts(prefix.as_bytes(), rest.as_bytes());
        self.filter & tag.bit() != 0
            && self
                .entries()
                .iter()
                .any(|s| s.is_joined(tag, prefix, rest))
    }

    /// Sets the name `{prefix}{rest}` to a string value, reusing the existing name and
    /// buffer when there is one.
    pub(crate) fn set_joined_str(&mut self, prefix: &str, rest: &str, value: &str) {
        let tag = Tag::of_parts(prefix.as_bytes(), rest.as_bytes());
        let maybe_present = self.filter & tag.bit() != 0;
        match self
            .entries_mut()
            .iter_mut()
            .filter(|_| maybe_present)
            .find(|s| s.is_joined(tag, prefix, rest))
        {
            Some(slot) => ValueRef::Str(value).store(&mut slot.value),
            None => self.push_with(
                |k| {
                    k.push_str(prefix);
                    k.push_str(rest);
                },
                ValueRef::Str(value),
            ),
        }
    }

    /// Removes every entry, keeping the buffers for later insertions.
    pub fn clear(&mut self) {
        self.live = 0;
        self.filter = 0;
    }

    /// The names, in insertion order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries().iter().map(|s| s.name.as_str())
    }

    /// The names, sorted as Python's `list.sort`.
    pub fn sorted_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.names().collect();
        names.sort_unstable();
        names
    }

    fn repr(&self) -> String {
        let mut out = String::from("{");
        for (i, s) in self.entries().iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&repr(&s.name));
            out.push_str(": ");
            out.push_str(&s.value.repr());
        }
        out.push('}');
        out
    }
}

impl PartialEq for Expansions {
    fn eq(&self, other: &Self) -> bool {
        self.entries() == other.entries()
    }
}

impl Eq for Expansions {}

impl std::fmt::Debug for Expansions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.entries().iter().map(|s| (&s.name, &s.value)))
            .finish()
    }
}

/// A value to store, borrowed: a string is copied into the slot's existing buffer.
#[derive(Clone, Copy)]
enum ValueRef<'a> {
    Str(&'a str),
    Int(i64),
}

impl<'a> ValueRef<'a> {
    fn of(v: &'a Value) -> ValueRef<'a> {
        match v {
            Value::Str(s) => ValueRef::Str(s),
            Value::Int(i) => ValueRef::Int(*i),
        }
    }

    fn store(self, slot: &mut Value) {
        match (self, slot) {
            (ValueRef::Str(s), Value::Str(buf)) => s.clone_into(buf),
            (ValueRef::Str(s), slot) => *slot = Value::Str(s.to_owned()),
            (ValueRef::Int(i), slot) => *slot = Value::Int(i),
        }
    }
}

/// Why `format % mapping` failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// A `%(name)` names nothing in the mapping (Python's `KeyError`).
    MissingName(String),
    /// Any other failure, with Python's exception text.
    Bad(String),
}

/// The argument a conversion consumes: the mapping itself or a looked-up value.
enum Arg<'a> {
    Dict(Layers<'a>),
    Value(&'a Value),
}

/// Mappings read as the one Python `dict` built by updating the first with each next:
/// later layers win, and a name keeps the position of its first appearance.
#[derive(Clone, Copy)]
struct Layers<'a>(&'a [&'a Expansions]);

impl<'a> Layers<'a> {
    fn get(&self, name: &str) -> Option<&'a Value> {
        let tag = Tag::of(name);
        let bit = tag.bit();
        for m in self.0.iter().rev() {
            if m.filter & bit == 0 {
                continue;
            }
            for s in m.entries() {
                if s.is(tag, name) {
                    return Some(&s.value);
                }
            }
        }
        None
    }

    fn merged(&self) -> Expansions {
        let mut m = Expansions::new();
        for layer in self.0 {
            m.update(layer);
        }
        m
    }
}

impl Arg<'_> {
    fn type_name(&self) -> &'static str {
        match self {
            Arg::Dict(_) => "dict",
            Arg::Value(Value::Str(_)) => "str",
            Arg::Value(Value::Int(_)) => "int",
        }
    }
}

#[derive(Default)]
struct Spec {
    left: bool,
    plus: bool,
    blank: bool,
    alt: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// Python's `format % mapping` for a `dict` of strings and integers: `%(name)s`,
/// `%(name)02d`, `%%`, flags `-+ #0`, width, precision, conversions `sdiuoxXeEfFgGcra`.
pub fn format(fmt: &str, map: &Expansions) -> Result<String, FormatError> {
    format_layers(fmt, &[map])
}

/// [`format()`] over the union of two mappings, `over` taking precedence (what Python
/// builds with `dict(list(base.items()) + list(over.items()))`), without building it.
pub fn format_over(fmt: &str, base: &Expansions, over: &Expansions) -> Result<String, FormatError> {
    format_layers(fmt, &[base, over])
}

/// [`format()`] over the union of several mappings, as if the first were updated with
/// each next in turn (later ones win; a name keeps its first position), without
/// building that union.
pub fn format_layers(fmt: &str, layers: &[&Expansions]) -> Result<String, FormatError> {
    let mut out = String::with_capacity(fmt.len() + 16);
    format_layers_into(&mut out, fmt, layers)?;
    Ok(out)
}

/// [`format_layers`] appending to `out` (which holds a partial result on error).
pub(crate) fn format_layers_into(
    out: &mut String,
    fmt: &str,
    layers: &[&Expansions],
) -> Result<(), FormatError> {
    let map = Layers(layers);
    let bytes = fmt.as_bytes();
    let n = bytes.len();
    let mut i = 0;
    let mut avail: Option<Arg<'_>> = Some(Arg::Dict(map));
    let bad = |m: &str| FormatError::Bad(m.to_owned());
    let not_enough = || bad("not enough arguments for format string");
    let incomplete = || bad("incomplete format");
    loop {
        let literal = i;
        i = find_either(bytes, i, b'%', b'%');
        out.push_str(&fmt[literal..i]);
        if i == n {
            return Ok(());
        }
        i += 1;
        if i < n && bytes[i] == b'%' {
            out.push('%');
            i += 1;
            continue;
        }
        if i < n && bytes[i] == b'(' {
            let start = i + 1;
            // The key ends at the `)` that balances the `(`; nested parentheses are
            // rare, so find the first of either before counting.
            let mut j = find_either(bytes, start, b')', b'(');
            let mut depth = 1;
            loop {
                match bytes.get(j) {
                    None => return Err(bad("incomplete format key")),
                    Some(b'(') => depth += 1,
                    Some(b')') => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Some(_) => {}
                }
                j += 1;
            }
            let key = &fmt[start..j];
            let Some(v) = map.get(key) else {
                return Err(FormatError::MissingName(key.to_owned()));
            };
            i = j + 1;
            // The usual forms, `%(name)s` and `%(name)0Nd`, skip the general parser.
            match (bytes.get(i), v) {
                (Some(b's'), Value::Str(s)) => {
                    out.push_str(s);
                    avail = None;
                    i += 1;
                    continue;
                }
                (Some(b's'), Value::Int(v)) => {
                    push_int(out, *v, &Spec::default());
                    avail = None;
                    i += 1;
                    continue;
                }
                (Some(b'0'), Value::Int(v))
                    if let Some(&[_, w @ b'1'..=b'9', b'd']) = bytes.get(i..i + 3) =>
                {
                    let spec = Spec {
                        zero: true,
                        width: Some(usize::from(w - b'0')),
                        ..Spec::default()
                    };
                    push_int(out, *v, &spec);
                    avail = None;
                    i += 3;
                    continue;
                }
                _ => avail = Some(Arg::Value(v)),
            }
        }
        let mut spec = Spec::default();
        while i < n {
            match bytes[i] {
                b'-' => spec.left = true,
                b'+' => spec.plus = true,
                b' ' => spec.blank = true,
                b'#' => spec.alt = true,
                b'0' => spec.zero = true,
                _ => break,
            }
            i += 1;
        }
        if i < n && bytes[i] == b'*' {
            match avail.take() {
                None => return Err(not_enough()),
                Some(Arg::Value(Value::Int(w))) => {
                    if *w < 0 {
                        spec.left = true;
                    }
                    let w = usize::try_from(w.unsigned_abs()).unwrap_or(usize::MAX);
                    if w > MAX_WIDTH {
                        return Err(bad("width too big"));
                    }
                    spec.width = Some(w);
                }
                Some(_) => return Err(bad("* wants int")),
            }
            i += 1;
        } else {
            let (w, next) = read_number(bytes, i).map_err(|()| bad("width too big"))?;
            spec.width = w;
            i = next;
        }
        if i < n && bytes[i] == b'.' {
            i += 1;
            if i < n && bytes[i] == b'*' {
                match avail.take() {
                    None => return Err(not_enough()),
                    Some(Arg::Value(Value::Int(p))) => {
                        let p = usize::try_from(*p).unwrap_or(0);
                        if p > MAX_WIDTH {
                            return Err(bad("precision too big"));
                        }
                        spec.prec = Some(p);
                    }
                    Some(_) => return Err(bad("* wants int")),
                }
                i += 1;
            } else {
                let (p, next) = read_number(bytes, i).map_err(|()| bad("precision too big"))?;
                spec.prec = Some(p.unwrap_or(0));
                i = next;
            }
        }
        if i < n && matches!(bytes[i], b'h' | b'l' | b'L') {
            i += 1;
        }
        let Some(conv) = fmt[i..].chars().next() else {
            return Err(incomplete());
        };
        if !u8::try_from(conv).is_ok_and(|c| b"sdiuoxXeEfFgGcra".contains(&c)) {
            // Python reports the position in characters, not bytes.
            let index = fmt[..i].chars().count();
            return Err(bad(&format!(
                "unsupported format character '{conv}' (0x{:x}) at index {index}",
                conv as u32
            )));
        }
        i += conv.len_utf8();
        let arg = avail.take().ok_or_else(not_enough)?;
        let plain = spec.width.is_none() && spec.prec.is_none();
        match (conv, &arg) {
            ('s', Arg::Value(Value::Str(v))) if plain => out.push_str(v),
            ('s', Arg::Value(Value::Int(v))) if plain => push_int(out, *v, &Spec::default()),
            ('d' | 'i' | 'u', Arg::Value(Value::Int(v)))
                if spec.prec.is_none() && !spec.plus && !spec.blank =>
            {
                push_int(out, *v, &spec);
            }
            _ => out.push_str(&convert(conv, &spec, &arg)?),
        }
    }
}

/// Whether `s` holds a `%` (so that `%`-formatting can change it).
pub(crate) fn has_percent(s: &str) -> bool {
    find_either(s.as_bytes(), 0, b'%', b'%') < s.len()
}

/// The position of the first `a` or `b` in `bytes` from `from` on (`bytes.len()` when
/// there is none), 8 bytes at a time: format texts and their names are short, and a
/// `memchr` call costs more than it saves on them.
pub(crate) fn find_either(bytes: &[u8], mut from: usize, a: u8, b: u8) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The high bit of each zero byte; exact for the lowest one, which is all that is
    // used.
    let zeros = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    while let Some(chunk) = bytes.get(from..from + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let found = zeros(x ^ (ONES * u64::from(a))) | zeros(x ^ (ONES * u64::from(b)));
        if found != 0 {
            return from + found.trailing_zeros() as usize / 8;
        }
        from += 8;
    }
    while from < bytes.len() && bytes[from] != a && bytes[from] != b {
        from += 1;
    }
    from
}

/// Appends `%d` of `v` padded as `convert` and `pad` would (`spec` has no sign flag
/// and no precision): spaces on the left, zeros after the sign with `0`, spaces on
/// the right with `-`.
fn push_int(out: &mut String, v: i64, spec: &Spec) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = v.unsigned_abs();
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let digits = &digits[start..];
    let len = digits.len() + usize::from(v < 0);
    let fill = spec.width.unwrap_or(0).saturating_sub(len);
    let pad = |out: &mut String, c: char| {
        for _ in 0..fill {
            out.push(c);
        }
    };
    if !spec.left && !spec.zero {
        pad(out, ' ');
    }
    if v < 0 {
        out.push('-');
    }
    if spec.zero && !spec.left {
        pad(out, '0');
    }
    // The digits are ASCII.
    for &d in digits {
        out.push(char::from(d));
    }
    if spec.left {
        pad(out, ' ');
    }
}

/// The largest width or precision honoured. Python accepts any `Py_ssize_t` and then
/// allocates the padding; beyond this bound we report "width too big" / "precision
/// too big" instead of allocating gigabytes.
const MAX_WIDTH: usize = 1 << 20;

fn read_number(bytes: &[u8], mut i: usize) -> Result<(Option<usize>, usize), ()> {
    let mut value: Option<usize> = None;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        let d = usize::from(bytes[i] - b'0');
        let v = value.unwrap_or(0);
        let v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(d))
            .filter(|v| *v <= MAX_WIDTH)
            .ok_or(())?;
        value = Some(v);
        i += 1;
    }
    Ok((value, i))
}

fn pad(body: String, spec: &Spec, numeric: bool) -> String {
    let len = body.chars().count();
    let width = spec.width.unwrap_or(0);
    if len >= width {
        return body;
    }
    let fill = width - len;
    if spec.left {
        let mut s = body;
        s.extend(std::iter::repeat_n(' ', fill));
        s
    } else if spec.zero && numeric {
        let sign_len = body
            .chars()
            .take_while(|c| matches!(c, '-' | '+' | ' '))
            .count()
            .min(1);
        let prefix_len = if body[sign_len..].starts_with("0x")
            || body[sign_len..].starts_with("0X")
            || body[sign_len..].starts_with("0o")
        {
            sign_len + 2
        } else {
            sign_len
        };
        let mut s = String::with_capacity(width);
        s.push_str(&body[..prefix_len]);
        s.extend(std::iter::repeat_n('0', fill));
        s.push_str(&body[prefix_len..]);
        s
    } else {
        let mut s: String = std::iter::repeat_n(' ', fill).collect();
        s.push_str(&body);
        s
    }
}

fn sign(neg: bool, spec: &Spec) -> &'static str {
    if neg {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.blank {
        " "
    } else {
        ""
    }
}

fn convert(conv: char, spec: &Spec, arg: &Arg<'_>) -> Result<String, FormatError> {
    let bad = |m: String| FormatError::Bad(m);
    match conv {
        's' | 'r' | 'a' => {
            let text = match (conv, arg) {
                ('s', Arg::Value(Value::Str(s))) => s.clone(),
                ('s', Arg::Value(Value::Int(v))) => v.to_string(),
                ('s' | 'r', Arg::Dict(d)) => d.merged().repr(),
                (_, Arg::Dict(d)) => escape_non_ascii(&d.merged().repr()),
                ('r', Arg::Value(Value::Str(s))) => repr(s),
                (_, Arg::Value(Value::Str(s))) => escape_non_ascii(&repr(s)),
                (_, Arg::Value(Value::Int(v))) => v.to_string(),
            };
            let text = match spec.prec {
                Some(p) => text.chars().take(p).collect(),
                None => text,
            };
            Ok(pad(text, spec, false))
        }
        'c' => {
            let text = match arg {
                Arg::Value(Value::Str(s)) if s.chars().count() == 1 => s.clone(),
                Arg::Value(Value::Int(v)) => {
                    match u32::try_from(*v).ok().and_then(char::from_u32) {
                        Some(c) => c.to_string(),
                        None => return Err(bad("%c arg not in range(0x110000)".to_owned())),
                    }
                }
                _ => return Err(bad("%c requires int or char".to_owned())),
            };
            Ok(pad(text, spec, false))
        }
        'd' | 'i' | 'u' | 'o' | 'x' | 'X' => {
            let v = match arg {
                Arg::Value(Value::Int(v)) => *v,
                other => {
                    let shown = if conv == 'i' || conv == 'u' {
                        'd'
                    } else {
                        conv
                    };
                    let what = if matches!(conv, 'd' | 'i' | 'u') {
                        "a real number"
                    } else {
                        "an integer"
                    };
                    return Err(bad(format!(
                        "%{shown} format: {what} is required, not {}",
                        other.type_name()
                    )));
                }
            };
            let mag = v.unsigned_abs();
            let mut digits = match conv {
                'o' => format!("{mag:o}"),
                'x' => format!("{mag:x}"),
                'X' => format!("{mag:X}"),
                _ => mag.to_string(),
            };
            if let Some(p) = spec.prec
                && digits.len() < p
            {
                digits = "0".repeat(p - digits.len()) + &digits;
            }
            let prefix = match (spec.alt, conv) {
                (true, 'o') => "0o",
                (true, 'x') => "0x",
                (true, 'X') => "0X",
                _ => "",
            };
            let body = format!("{}{prefix}{digits}", sign(v < 0, spec));
            Ok(pad(body, spec, true))
        }
        _ => {
            let v = match arg {
                Arg::Value(Value::Int(v)) => *v as f64,
                other => {
                    return Err(bad(format!(
                        "must be real number, not {}",
                        other.type_name()
                    )));
                }
            };
            let prec = spec.prec.unwrap_or(6);
            let mag = v.abs();
            let body = match conv {
                'f' | 'F' => {
                    let mut s = format!("{mag:.prec$}");
                    if spec.alt && prec == 0 {
                        s.push('.');
                    }
                    s
                }
                'e' | 'E' => exp_format(mag, prec, spec.alt, conv == 'E'),
                _ => general_format(mag, prec, spec.alt, conv == 'G'),
            };
            Ok(pad(format!("{}{body}", sign(v < 0.0, spec)), spec, true))
        }
    }
}

fn exp_format(mag: f64, prec: usize, alt: bool, upper: bool) -> String {
    let s = format!("{mag:.prec$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut m = mantissa.to_owned();
    if alt && prec == 0 {
        m.push('.');
    }
    let e = if upper { 'E' } else { 'e' };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{m}{e}{sign}{:02}", exp.abs())
}

fn general_format(mag: f64, prec: usize, alt: bool, upper: bool) -> String {
    let p = prec.max(1);
    let probe = format!("{mag:.*e}", p - 1);
    let exp: i32 = probe
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    let mut s = if exp >= -4 && exp < p as i32 {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        format!("{mag:.decimals$}")
    } else {
        exp_format(mag, p - 1, false, upper)
    };
    if !alt {
        let (num, tail) = match s.find(['e', 'E']) {
            Some(pos) => (s[..pos].to_owned(), s[pos..].to_owned()),
            None => (s.clone(), String::new()),
        };
        let num = if num.contains('.') {
            num.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            num
        };
        s = num + &tail;
    } else if !s.contains('.') {
        match s.find(['e', 'E']) {
            Some(pos) => s.insert(pos, '.'),
            None => s.push('.'),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_pad_like_python() {
        let mut m = Expansions::new();
        m.set("n", Value::Int(-42));
        m.set("m", Value::Int(i64::MIN));
        m.set("z", Value::Int(0));
        assert_eq!(
            format(
                "%(n)05d|%(n)-5d|%(n)5d|%(n)s|%(n)d|%(n)-05d|%(n)02d|%(m)03d|%(z)02d",
                &m
            )
            .unwrap(),
            "-0042|-42  |  -42|-42|-42|-42  |-42|-9223372036854775808|00"
        );
    }

    #[test]
    fn cleared_expansions_forget_names_but_keep_buffers() {
        let mut m = Expansions::new();
        m.set_str("a", "long value");
        m.set("n", Value::Int(1));
        m.set_joined_str("ENV_", "X", "1");
        m.clear();
        assert_eq!((m.get("a"), m.names().count()), (None, 0));
        assert!(!m.contains_joined("ENV_", "X"));
        assert_eq!(m, Expansions::new());
        m.set("n", Value::Int(2));
        m.set_joined_str("ENV_", "Y", "y");
        m.set_str("n", "s");
        assert_eq!(m.names().collect::<Vec<_>>(), ["n", "ENV_Y"]);
        assert_eq!(m.get("n"), Some(&Value::Str("s".to_owned())));
        assert_eq!(format!("{m:?}"), r#"{"n": Str("s"), "ENV_Y": Str("y")}"#);
        assert_eq!(m.slots.len(), 3);
    }

    fn map() -> Expansions {
        let mut m = Expansions::new();
        m.set_str("a", "x");
        m.set("n", Value::Int(7));
        m.set("neg", Value::Int(-42));
        m
    }

    fn ok(f: &str) -> String {
        format(f, &map()).unwrap()
    }

    fn err(f: &str) -> String {
        match format(f, &map()).unwrap_err() {
            FormatError::MissingName(k) => format!("KeyError {k}"),
            FormatError::Bad(m) => m,
        }
    }

    #[test]
    fn conversions_match_python() {
        assert_eq!(ok("%(n)05.3d"), "00007");
        assert_eq!(ok("%(n)#x"), "0x7");
        assert_eq!(ok("%(n)#o"), "0o7");
        assert_eq!(ok("%(n)e"), "7.000000e+00");
        assert_eq!(ok("%(n)g"), "7");
        assert_eq!(ok("%(n)10.2f"), "      7.00");
        assert_eq!(ok("%(a).1s|"), "x|");
        assert_eq!(ok("%(n)-5d|"), "7    |");
        assert_eq!(ok("%(neg)x %(neg)#o %(neg)05d"), "-2a -0o52 -0042");
        assert_eq!(ok("%(n)#5x|"), "  0x7|");
        assert_eq!(ok("%(n)hd%%"), "7%");
        assert_eq!(ok("%(a)5.1r|"), "    '|");
        assert_eq!(ok("%s"), "{'a': 'x', 'n': 7, 'neg': -42}");
    }

    #[test]
    fn errors_match_python() {
        assert_eq!(err("%(zz)y"), "KeyError zz");
        assert_eq!(
            err("%(a)y"),
            "unsupported format character 'y' (0x79) at index 4"
        );
        assert_eq!(err("%(a"), "incomplete format key");
        assert_eq!(err("100%"), "incomplete format");
        assert_eq!(err("%(a)s %s"), "not enough arguments for format string");
        assert_eq!(
            err("%(a)d"),
            "%d format: a real number is required, not str"
        );
        assert_eq!(err("%(a)x"), "%x format: an integer is required, not str");
        assert_eq!(err("%*d"), "* wants int");
        assert_eq!(
            err("%(a)%"),
            "unsupported format character '%' (0x25) at index 4"
        );
    }

    #[test]
    fn int_matches_python() {
        assert_eq!(int(" 1_000 ", 10), Ok(1000));
        assert_eq!(int("-7", 10), Ok(-7));
        assert_eq!(int("0o22", 8), Ok(18));
        assert_eq!(int("022", 8), Ok(18));
        assert_eq!(
            int("abc", 10).unwrap_err(),
            "invalid literal for int() with base 10: 'abc'"
        );
        assert!(int("1__0", 10).is_err());
        assert!(int("", 10).is_err());
    }

    #[test]
    fn repr_matches_python() {
        assert_eq!(repr("a'b"), "\"a'b\"");
        assert_eq!(repr("a'b\""), "'a\\'b\"'");
        assert_eq!(repr("é\x00\n"), "'é\\x00\\n'");
        assert_eq!(repr("\u{a0}"), "'\\xa0'");
    }
}
