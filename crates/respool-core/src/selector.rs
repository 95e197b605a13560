//! Kubernetes label selectors (`labelSelector=...`).
//!
//! A port of `k8s.io/apimachinery/pkg/labels/selector.go`: the same lexer
//! quirks, the same requirement validation, the same canonical `String()`
//! form, the same matching rules and the same error texts. Errors also carry
//! the byte offset of the offending token, so a 400 can say where.
//!
//! Grammar as implemented (the code accepts more than the upstream BNF):
//!
//! ```text
//! selector    ::= "" | requirement ("," requirement)*
//! requirement ::= "!" KEY | KEY | KEY op VALUE? | KEY ("in"|"notin") "(" list ")"
//! op          ::= "=" | "==" | "!=" | ">" | "<"
//! list        ::= (VALUE? ",")* VALUE?          empty items mean ""
//! ```
//!
//! `in` and `notin` are keywords only where an operator is expected; as keys
//! and values they are plain identifiers (`notin=in` is valid).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::hash::BuildHasher;
use std::str::FromStr;

/// How a [`Requirement`] relates its key to its values
/// (`k8s.io/apimachinery/pkg/selection.Operator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `key`: the label is present.
    Exists,
    /// `!key`: the label is absent.
    DoesNotExist,
    /// `key=value`.
    Equals,
    /// `key==value` (same meaning as `=`, kept apart for printing).
    DoubleEquals,
    /// `key!=value`: also true when the label is absent.
    NotEquals,
    /// `key in (a,b)`.
    In,
    /// `key notin (a,b)`: also true when the label is absent.
    NotIn,
    /// `key>n`: the label is an int64 greater than `n`.
    GreaterThan,
    /// `key<n`: the label is an int64 less than `n`.
    LessThan,
}

impl Operator {
    /// The Kubernetes name of the operator, as used in error messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            Operator::Exists => "exists",
            Operator::DoesNotExist => "!",
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => "in",
            Operator::NotIn => "notin",
            Operator::GreaterThan => "gt",
            Operator::LessThan => "lt",
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One condition of a selector. All requirements of a selector are ANDed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requirement {
    pub key: String,
    pub op: Operator,
    /// Sorted and deduplicated when built by the parser or [`Requirement::new`].
    pub values: Vec<String>,
}

impl Requirement {
    /// Validated constructor (`labels.NewRequirement`). `values` is treated
    /// as a set: it is sorted and deduplicated before the rules are checked.
    ///
    /// The error is the Kubernetes aggregate text, e.g.
    /// `values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty`.
    pub fn new<I, S>(key: impl Into<String>, op: Operator, values: I) -> Result<Self, String>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let key = key.into();
        let mut values: Vec<String> = values.into_iter().map(Into::into).collect();
        values.sort();
        values.dedup();
        let errors = requirement_errors(&key, Some("key"), op, &values);
        if errors.is_empty() {
            Ok(Requirement { key, op, values })
        } else {
            Err(errors.aggregate())
        }
    }

    /// Whether the labels satisfy this requirement (`Requirement.Matches`).
    pub fn matches(&self, labels: &(impl LabelSource + ?Sized)) -> bool {
        let label = labels.get_label(&self.key);
        let has = |v: &str| self.values.iter().any(|x| x == v);
        match self.op {
            Operator::In | Operator::Equals | Operator::DoubleEquals => label.is_some_and(has),
            Operator::NotIn | Operator::NotEquals => !label.is_some_and(has),
            Operator::Exists => label.is_some(),
            Operator::DoesNotExist => label.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                // A non-integer label (or a malformed requirement) simply does not match.
                let (Some(label), [bound]) = (label, self.values.as_slice()) else {
                    return false;
                };
                match (parse_int64(label), parse_int64(bound)) {
                    (Some(l), Some(b)) if self.op == Operator::GreaterThan => l > b,
                    (Some(l), Some(b)) => l < b,
                    _ => false,
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    /// `Requirement.String()`: `!k`, `k`, `k=v`, `k==v`, `k!=v`, `k>v`,
    /// `k<v`, `k in (a,b)`, `k notin (a,b)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            Operator::Exists => return f.write_str(&self.key),
            Operator::DoesNotExist => return write!(f, "!{}", self.key),
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
            Operator::In => " in (",
            Operator::NotIn => " notin (",
        };
        // Values print sorted even if someone filled `values` by hand.
        let mut values: Vec<&str> = self.values.iter().map(String::as_str).collect();
        values.sort_unstable();
        write!(f, "{}{op}{}", self.key, values.join(","))?;
        if matches!(self.op, Operator::In | Operator::NotIn) {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// Anything labels can be looked up in.
pub trait LabelSource {
    fn get_label(&self, key: &str) -> Option<&str>;
}

impl LabelSource for BTreeMap<String, String> {
    fn get_label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl<S: BuildHasher> LabelSource for HashMap<String, String, S> {
    fn get_label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

/// A parse failure: the Kubernetes message plus the byte offset of the token
/// that caused it (the input length when the input ended too early).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at position {position}")]
pub struct SelectorError {
    pub message: String,
    pub position: usize,
}

/// A parsed label selector: requirements sorted by key (stable), ANDed.
/// The empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Selector {
    requirements: Vec<Requirement>,
}

impl Selector {
    /// Parses the `labelSelector` query syntax. An empty or whitespace-only
    /// string is [`Selector::everything`].
    pub fn parse(input: &str) -> Result<Selector, SelectorError> {
        let parser = Parser {
            items: lex(input),
            next: 0,
            end: input.len(),
        };
        Ok(Selector::from_requirements(parser.parse()?))
    }

    /// The selector that matches every label set.
    pub fn everything() -> Selector {
        Selector::default()
    }

    /// Builds a selector from already validated requirements, sorting them
    /// by key like `Selector.Add`.
    pub fn from_requirements(requirements: impl IntoIterator<Item = Requirement>) -> Selector {
        let mut requirements: Vec<Requirement> = requirements.into_iter().collect();
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Selector { requirements }
    }

    /// True when the selector does not restrict anything.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// True when every requirement matches.
    pub fn matches(&self, labels: &(impl LabelSource + ?Sized)) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }

    /// If the selector pins a key to exactly one value (`k=v`, `k==v` or
    /// `k in (v)`), that value; lets storage narrow a query.
    ///
    /// Unlike `RequiresExactMatch`, this looks past other requirements on the
    /// same key (`k,k=v` still pins `v`); narrowing by any one of them is sound
    /// because all of them must hold.
    pub fn exact_value(&self, key: &str) -> Option<&str> {
        self.requirements
            .iter()
            .filter(|r| r.key == key)
            .find_map(|r| match (r.op, r.values.as_slice()) {
                (Operator::Equals | Operator::DoubleEquals | Operator::In, [v]) => Some(v.as_str()),
                _ => None,
            })
    }
}

impl fmt::Display for Selector {
    /// The canonical form (`internalSelector.String()`); parsing it gives the
    /// same selector back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl FromStr for Selector {
    type Err = SelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Selector::parse(s)
    }
}

// ---------------------------------------------------------------------------
// Key and value validation (`content.IsLabelKey`, `IsValidLabelValue`).

const LABEL_NAME_MAX_LEN: usize = 63;
const DNS1123_SUBDOMAIN_MAX_LEN: usize = 253;
const LABEL_KEY_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_KEY_ERR_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_KEY_EXAMPLES: [&str; 3] = ["MyName", "my.name", "123-abc"];
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_ERR_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_EXAMPLES: [&str; 3] = ["MyValue", "my_value", "12345"];
const DNS1123_SUBDOMAIN_FMT: &str =
    r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

/// Checks a label key: an optional DNS-1123 subdomain prefix and `/`, then a
/// name of at most 63 bytes matching `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`.
/// The error joins the Kubernetes messages with `"; "`.
pub fn validate_label_key(key: &str) -> Result<(), String> {
    let mut errs = Vec::new();
    let name = match key.split_once('/') {
        None => key,
        Some((_, name)) if name.contains('/') => {
            return Err(format!(
                "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(LABEL_KEY_ERR_MSG, LABEL_KEY_FMT, &LABEL_KEY_EXAMPLES)
            ));
        }
        Some((prefix, name)) => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_owned());
            } else {
                if prefix.len() > DNS1123_SUBDOMAIN_MAX_LEN {
                    errs.push(format!(
                        "prefix part {}",
                        max_len_error(DNS1123_SUBDOMAIN_MAX_LEN)
                    ));
                }
                if !is_dns1123_subdomain(prefix) {
                    let msg = regex_error(
                        DNS1123_SUBDOMAIN_ERR_MSG,
                        DNS1123_SUBDOMAIN_FMT,
                        &["example.com"],
                    );
                    errs.push(format!("prefix part {msg}"));
                }
            }
            name
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_owned());
    } else if name.len() > LABEL_NAME_MAX_LEN {
        errs.push(format!("name part {}", max_len_error(LABEL_NAME_MAX_LEN)));
    }
    // Upstream reports the regex failure for an empty name too.
    if !is_label_name(name) {
        let msg = regex_error(LABEL_KEY_ERR_MSG, LABEL_KEY_FMT, &LABEL_KEY_EXAMPLES);
        errs.push(format!("name part {msg}"));
    }
    join_errors(errs)
}

/// Checks a label value: empty, or at most 63 bytes matching the key-name
/// pattern. The error joins the Kubernetes messages with `"; "`.
pub fn validate_label_value(value: &str) -> Result<(), String> {
    let mut errs = Vec::new();
    if value.len() > LABEL_NAME_MAX_LEN {
        errs.push(max_len_error(LABEL_NAME_MAX_LEN));
    }
    if !value.is_empty() && !is_label_name(value) {
        errs.push(regex_error(
            LABEL_VALUE_ERR_MSG,
            LABEL_VALUE_FMT,
            &LABEL_VALUE_EXAMPLES,
        ));
    }
    join_errors(errs)
}

fn join_errors(errs: Vec<String>) -> Result<(), String> {
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("; "))
    }
}

fn max_len_error(max: usize) -> String {
    format!("must be no more than {max} bytes")
}

/// `content.RegexError`, including its double space before each "or".
fn regex_error(msg: &str, re: &str, examples: &[&str]) -> String {
    let mut out = format!("{msg} (e.g. ");
    for (i, example) in examples.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        let _ = write!(out, "'{example}', ");
    }
    let _ = write!(out, "regex used for validation is '{re}')");
    out
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn is_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && b.iter()
                    .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*`
fn is_dns1123_subdomain(s: &str) -> bool {
    let lower_alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    s.split('.').all(|label| {
        let b = label.as_bytes();
        match (b.first(), b.last()) {
            (Some(first), Some(last)) => {
                lower_alnum(first)
                    && lower_alnum(last)
                    && b.iter().all(|c| lower_alnum(c) || *c == b'-')
            }
            _ => false,
        }
    })
}

/// Go's `strconv.ParseInt(s, 10, 64)`: optional sign, ASCII digits, no
/// underscores, no whitespace; which is exactly what `i64::from_str` accepts.
fn parse_int64(s: &str) -> Option<i64> {
    s.parse().ok()
}

// ---------------------------------------------------------------------------
// Requirement validation with Kubernetes field-error texts.

/// Upstream reports every error. Past this many the rest are only counted, so
/// a long hostile query (thousands of bad values) cannot turn into a
/// many-megabyte message.
const MAX_REPORTED_ERRORS: usize = 16;

/// A `field.ErrorList`: each message with the index of the value it is about
/// (None: about the key or the value set as a whole).
#[derive(Default)]
struct FieldErrors {
    reported: Vec<(Option<usize>, String)>,
    omitted: usize,
}

impl FieldErrors {
    fn push(&mut self, index: Option<usize>, message: impl FnOnce() -> String) {
        if self.reported.len() < MAX_REPORTED_ERRORS {
            self.reported.push((index, message()));
        } else {
            self.omitted += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.reported.is_empty()
    }

    /// `utilerrors.Aggregate.Error()`: one message as is, several
    /// deduplicated inside brackets.
    fn aggregate(&self) -> String {
        let mut seen = HashSet::new();
        let unique: Vec<&str> = self
            .reported
            .iter()
            .map(|(_, msg)| msg.as_str())
            .filter(|msg| seen.insert(*msg))
            .collect();
        match (unique.as_slice(), self.omitted) {
            ([one], 0) => (*one).to_owned(),
            (many, 0) => format!("[{}]", many.join(", ")),
            (many, omitted) => format!("[{}, and {omitted} more errors]", many.join(", ")),
        }
    }
}

/// The errors `NewRequirement` would report. `key_path` is `Some("key")` for
/// the constructor; the parser validates the key itself beforehand (with a
/// nil path), so it passes `None`.
fn requirement_errors(
    key: &str,
    key_path: Option<&str>,
    op: Operator,
    values: &[String],
) -> FieldErrors {
    let mut errs = FieldErrors::default();
    if let Some(path) = key_path {
        if let Err(detail) = validate_label_key(key) {
            errs.push(None, || invalid(path, &go_quote(key), &detail));
        }
    }
    let count_rule = match op {
        Operator::In | Operator::NotIn if values.is_empty() => {
            Some("for 'in', 'notin' operators, values set can't be empty")
        }
        Operator::Equals | Operator::DoubleEquals | Operator::NotEquals if values.len() != 1 => {
            Some("exact-match compatibility requires one single value")
        }
        Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
            Some("values set must be empty for exists and does not exist")
        }
        Operator::GreaterThan | Operator::LessThan if values.len() != 1 => {
            Some("for 'Gt', 'Lt' operators, exactly one value is required")
        }
        _ => None,
    };
    if let Some(detail) = count_rule {
        errs.push(None, || invalid("values", &go_string_slice(values), detail));
    }
    if matches!(op, Operator::GreaterThan | Operator::LessThan) {
        for (i, v) in values.iter().enumerate() {
            if parse_int64(v).is_none() {
                let detail = "for 'Gt', 'Lt' operators, the value must be an integer";
                errs.push(Some(i), || {
                    invalid(&format!("values[{i}]"), &go_quote(v), detail)
                });
            }
        }
    }
    for (i, v) in values.iter().enumerate() {
        if let Err(detail) = validate_label_value(v) {
            errs.push(Some(i), || {
                invalid(&format!("values[{i}][{key}]"), &go_quote(v), &detail)
            });
        }
    }
    errs
}

/// `field.Invalid(path, value, detail).Error()`; `value` is already formatted.
fn invalid(path: &str, value: &str, detail: &str) -> String {
    format!("{path}: Invalid value: {value}: {detail}")
}

/// Go's `%q` for a string (close enough: control and non-space whitespace
/// characters are escaped, everything else printed as is).
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if c < ' ' || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if c.is_control() || (c.is_whitespace() && c != ' ') => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `%#v` for a `[]string`.
fn go_string_slice(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| go_quote(v)).collect();
    format!("[]string{{{}}}", quoted.join(", "))
}

// ---------------------------------------------------------------------------
// Lexer (`Lexer.Lex`).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    EndOfString,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

#[derive(Debug, Clone, Copy)]
struct Item<'a> {
    tok: Token,
    lit: &'a str,
    /// Byte offset of the token in the input.
    pos: usize,
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

/// Splits the input into tokens (without the final end-of-string token).
///
/// Special symbols are matched greedily, but only `!=` and `==` are two bytes
/// long, so `>=` is `>` then `=`. Any run of other bytes is one identifier
/// (`a||b`, `é`, `/`); validation rejects what does not belong later. Token
/// boundaries are always ASCII bytes, so slicing never splits a character.
/// Unlike Go, a NUL byte is an ordinary identifier byte, not end of input.
fn lex(input: &str) -> Vec<Item<'_>> {
    let bytes = input.as_bytes();
    let mut items = Vec::new();
    let mut i = 0;
    loop {
        while bytes.get(i).copied().is_some_and(is_whitespace) {
            i += 1;
        }
        let Some(&b) = bytes.get(i) else {
            return items;
        };
        let start = i;
        let (tok, len) = match (b, bytes.get(i + 1)) {
            (b'!', Some(b'=')) => (Token::NotEquals, 2),
            (b'=', Some(b'=')) => (Token::DoubleEquals, 2),
            (b'!', _) => (Token::DoesNotExist, 1),
            (b'=', _) => (Token::Equals, 1),
            (b'(', _) => (Token::OpenPar, 1),
            (b')', _) => (Token::ClosedPar, 1),
            (b',', _) => (Token::Comma, 1),
            (b'>', _) => (Token::GreaterThan, 1),
            (b'<', _) => (Token::LessThan, 1),
            _ => {
                let len = bytes[start..]
                    .iter()
                    .position(|&c| is_special(c) || is_whitespace(c))
                    .unwrap_or(bytes.len() - start);
                let tok = match &input[start..start + len] {
                    "in" => Token::In,
                    "notin" => Token::NotIn,
                    _ => Token::Identifier,
                };
                (tok, len)
            }
        };
        i += len;
        items.push(Item {
            tok,
            lit: &input[start..i],
            pos: start,
        });
    }
}

// ---------------------------------------------------------------------------
// Parser (`Parser.parse` and friends), same control flow and messages.

/// Where a token is read: `in`/`notin` are keywords only as operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    KeyAndOperator,
    Values,
}

/// Values of one requirement with the offset of their first occurrence;
/// a sorted set like Go's `sets.String`.
type ValueSet<'a> = BTreeMap<&'a str, usize>;

const BINARY_OPERATORS: &str = "in, notin, =, ==, !=, gt, lt";

struct Parser<'a> {
    items: Vec<Item<'a>>,
    next: usize,
    end: usize,
}

fn fail(at: Item<'_>, message: String) -> SelectorError {
    SelectorError {
        message,
        position: at.pos,
    }
}

impl<'a> Parser<'a> {
    fn lookahead(&self, ctx: Ctx) -> Item<'a> {
        let mut item = self.items.get(self.next).copied().unwrap_or(Item {
            tok: Token::EndOfString,
            lit: "",
            pos: self.end,
        });
        if ctx == Ctx::Values && matches!(item.tok, Token::In | Token::NotIn) {
            item.tok = Token::Identifier;
        }
        item
    }

    fn consume(&mut self, ctx: Ctx) -> Item<'a> {
        let item = self.lookahead(ctx);
        self.next = (self.next + 1).min(self.items.len());
        item
    }

    fn parse(mut self) -> Result<Vec<Requirement>, SelectorError> {
        let mut requirements = Vec::new();
        loop {
            let t = self.lookahead(Ctx::Values);
            match t.tok {
                Token::Identifier | Token::DoesNotExist => {
                    let r = self.parse_requirement().map_err(|e| SelectorError {
                        message: format!("unable to parse requirement: {}", e.message),
                        position: e.position,
                    })?;
                    requirements.push(r);
                    let t = self.consume(Ctx::Values);
                    match t.tok {
                        Token::EndOfString => return Ok(requirements),
                        Token::Comma => {
                            let t2 = self.lookahead(Ctx::Values);
                            if !matches!(t2.tok, Token::Identifier | Token::DoesNotExist) {
                                return Err(fail(
                                    t2,
                                    format!("found '{}', expected: identifier after ','", t2.lit),
                                ));
                            }
                        }
                        _ => {
                            return Err(fail(
                                t,
                                format!("found '{}', expected: ',' or 'end of string'", t.lit),
                            ))
                        }
                    }
                }
                Token::EndOfString => return Ok(requirements),
                _ => {
                    return Err(fail(
                        t,
                        format!(
                            "found '{}', expected: !, identifier, or 'end of string'",
                            t.lit
                        ),
                    ))
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, SelectorError> {
        let (key, inferred) = self.parse_key_and_infer_operator()?;
        let (op, values) = match inferred {
            Some(op) => (op, ValueSet::new()),
            None => {
                let op = self.parse_operator()?;
                let values = match op {
                    Operator::In | Operator::NotIn => self.parse_values()?,
                    _ => self.parse_exact_value()?,
                };
                (op, values)
            }
        };
        let positions: Vec<usize> = values.values().copied().collect();
        let values: Vec<String> = values.into_keys().map(str::to_owned).collect();
        let errors = requirement_errors(key.lit, None, op, &values);
        if errors.is_empty() {
            return Ok(Requirement {
                key: key.lit.to_owned(),
                op,
                values,
            });
        }
        // Point at the earliest reported offending value in the input.
        let position = errors
            .reported
            .iter()
            .map(|(index, _)| {
                index
                    .and_then(|i| positions.get(i).copied())
                    .unwrap_or(key.pos)
            })
            .min()
            .unwrap_or(key.pos);
        Err(SelectorError {
            message: errors.aggregate(),
            position,
        })
    }

    /// Reads `[!] KEY`; infers `exists` when the key stands alone. `None`
    /// means a binary operator must follow.
    fn parse_key_and_infer_operator(
        &mut self,
    ) -> Result<(Item<'a>, Option<Operator>), SelectorError> {
        let mut t = self.consume(Ctx::Values);
        let negated = t.tok == Token::DoesNotExist;
        if negated {
            t = self.consume(Ctx::Values);
        }
        if t.tok != Token::Identifier {
            return Err(fail(t, format!("found '{}', expected: identifier", t.lit)));
        }
        if let Err(detail) = validate_label_key(t.lit) {
            // The apiserver parses without a field path, which Go prints as <nil>.
            return Err(fail(t, invalid("<nil>", &go_quote(t.lit), &detail)));
        }
        // `!key` is complete whatever follows; what follows is then the
        // caller's problem ("!x=a" fails at the "=").
        if negated {
            return Ok((t, Some(Operator::DoesNotExist)));
        }
        let standalone = matches!(
            self.lookahead(Ctx::Values).tok,
            Token::EndOfString | Token::Comma
        );
        Ok((t, standalone.then_some(Operator::Exists)))
    }

    fn parse_operator(&mut self) -> Result<Operator, SelectorError> {
        let t = self.consume(Ctx::KeyAndOperator);
        Ok(match t.tok {
            Token::In => Operator::In,
            Token::Equals => Operator::Equals,
            Token::DoubleEquals => Operator::DoubleEquals,
            Token::GreaterThan => Operator::GreaterThan,
            Token::LessThan => Operator::LessThan,
            Token::NotIn => Operator::NotIn,
            Token::NotEquals => Operator::NotEquals,
            _ => {
                return Err(fail(
                    t,
                    format!("found '{}', expected: {BINARY_OPERATORS}", t.lit),
                ))
            }
        })
    }

    /// `( ... )` after `in` / `notin`; `()` means the single value `""`.
    fn parse_values(&mut self) -> Result<ValueSet<'a>, SelectorError> {
        let t = self.consume(Ctx::Values);
        if t.tok != Token::OpenPar {
            // Upstream's text really lacks the comma here.
            return Err(fail(t, format!("found '{}' expected: '('", t.lit)));
        }
        let t = self.lookahead(Ctx::Values);
        match t.tok {
            Token::Identifier | Token::Comma => {
                let values = self.parse_identifiers_list()?;
                // The list only returns successfully when looking at ')'.
                self.consume(Ctx::Values);
                Ok(values)
            }
            Token::ClosedPar => {
                self.consume(Ctx::Values);
                Ok(ValueSet::from([("", t.pos)]))
            }
            _ => Err(fail(
                t,
                format!("found '{}', expected: ',', ')' or identifier", t.lit),
            )),
        }
    }

    /// Comma-separated, possibly empty identifiers; `(,a)`, `(a,)` and
    /// `(a,,b)` all add `""`. Stops in front of the `)`.
    fn parse_identifiers_list(&mut self) -> Result<ValueSet<'a>, SelectorError> {
        let mut values = ValueSet::new();
        loop {
            let t = self.consume(Ctx::Values);
            match t.tok {
                Token::Identifier => {
                    values.entry(t.lit).or_insert(t.pos);
                    let t2 = self.lookahead(Ctx::Values);
                    match t2.tok {
                        Token::Comma => {}
                        Token::ClosedPar => return Ok(values),
                        _ => {
                            return Err(fail(
                                t2,
                                format!("found '{}', expected: ',' or ')'", t2.lit),
                            ))
                        }
                    }
                }
                Token::Comma => {
                    if values.is_empty() {
                        values.insert("", t.pos);
                    }
                    let t2 = self.lookahead(Ctx::Values);
                    if matches!(t2.tok, Token::ClosedPar | Token::Comma) {
                        values.entry("").or_insert(t.pos);
                    }
                    if t2.tok == Token::ClosedPar {
                        return Ok(values);
                    }
                }
                _ => {
                    return Err(fail(
                        t,
                        format!("found '{}', expected: ',', or identifier", t.lit),
                    ))
                }
            }
        }
    }

    /// The value after `=`, `==`, `!=`, `>` or `<`; nothing means `""`.
    fn parse_exact_value(&mut self) -> Result<ValueSet<'a>, SelectorError> {
        let t = self.lookahead(Ctx::Values);
        if matches!(t.tok, Token::EndOfString | Token::Comma) {
            return Ok(ValueSet::from([("", t.pos)]));
        }
        let t = self.consume(Ctx::Values);
        if t.tok == Token::Identifier {
            Ok(ValueSet::from([(t.lit, t.pos)]))
        } else {
            Err(fail(t, format!("found '{}', expected: identifier", t.lit)))
        }
    }
}

#[cfg(test)]
mod tests {
    //! The lexer is private, so TestLexer / TestLexerSequence /
    //! TestParserLookahead live here.
    use super::*;

    fn kinds(input: &str) -> Vec<Token> {
        lex(input).iter().map(|i| i.tok).collect()
    }

    #[test]
    fn lexer_single_tokens() {
        use Token::*;
        let cases = [
            ("", None),
            (",", Some(Comma)),
            ("notin", Some(NotIn)),
            ("in", Some(In)),
            ("=", Some(Equals)),
            ("==", Some(DoubleEquals)),
            (">", Some(GreaterThan)),
            ("<", Some(LessThan)),
            ("!", Some(DoesNotExist)),
            ("!=", Some(NotEquals)),
            ("(", Some(OpenPar)),
            (")", Some(ClosedPar)),
            ("~", Some(Identifier)),
            ("||", Some(Identifier)),
        ];
        for (input, want) in cases {
            let items = lex(input);
            assert_eq!(items.first().map(|i| i.tok), want, "{input:?}");
            if let Some(first) = items.first() {
                assert_eq!(first.lit, input, "{input:?}");
                assert_eq!(first.pos, 0);
            }
        }
    }

    #[test]
    fn lexer_sequences() {
        use Token::*;
        let cases: [(&str, &[Token]); 15] = [
            (
                "key in ( value )",
                &[Identifier, In, OpenPar, Identifier, ClosedPar],
            ),
            (
                "key notin ( value )",
                &[Identifier, NotIn, OpenPar, Identifier, ClosedPar],
            ),
            (
                "key in ( value1, value2 )",
                &[
                    Identifier, In, OpenPar, Identifier, Comma, Identifier, ClosedPar,
                ],
            ),
            ("key", &[Identifier]),
            ("!key", &[DoesNotExist, Identifier]),
            ("()", &[OpenPar, ClosedPar]),
            (
                "x in (),y",
                &[Identifier, In, OpenPar, ClosedPar, Comma, Identifier],
            ),
            (
                "== != (), = notin",
                &[
                    DoubleEquals,
                    NotEquals,
                    OpenPar,
                    ClosedPar,
                    Comma,
                    Equals,
                    NotIn,
                ],
            ),
            ("key>2", &[Identifier, GreaterThan, Identifier]),
            ("key<1", &[Identifier, LessThan, Identifier]),
            ("key gt 3", &[Identifier, Identifier, Identifier]),
            ("x>=1", &[Identifier, GreaterThan, Equals, Identifier]),
            ("x===a", &[Identifier, DoubleEquals, Equals, Identifier]),
            ("!==", &[NotEquals, Equals]),
            ("=!x", &[Equals, DoesNotExist, Identifier]),
        ];
        for (input, want) in cases {
            assert_eq!(kinds(input), want, "{input:?}");
        }
    }

    #[test]
    fn lexer_literals_and_positions() {
        let items = lex(" a||b\t!=\r\nnotin(é/x,\u{0})");
        let got: Vec<(&str, usize)> = items.iter().map(|i| (i.lit, i.pos)).collect();
        assert_eq!(
            got,
            [
                ("a||b", 1),
                ("!=", 6),
                ("notin", 10),
                ("(", 15),
                ("é/x", 16),
                (",", 20),
                ("\u{0}", 21),
                (")", 22)
            ]
        );
    }

    #[test]
    fn lookahead_maps_keywords_only_in_value_context() {
        let mut p = Parser {
            items: lex("in notin"),
            next: 0,
            end: 8,
        };
        assert_eq!(p.lookahead(Ctx::KeyAndOperator).tok, Token::In);
        assert_eq!(p.lookahead(Ctx::Values).tok, Token::Identifier);
        assert_eq!(p.consume(Ctx::Values).lit, "in");
        assert_eq!(p.consume(Ctx::KeyAndOperator).tok, Token::NotIn);
        // Past the end the parser keeps seeing end-of-string at the input length.
        for _ in 0..3 {
            let t = p.consume(Ctx::Values);
            assert_eq!((t.tok, t.lit, t.pos), (Token::EndOfString, "", 8));
        }
    }

    #[test]
    fn go_quote_escapes_like_percent_q() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(
            go_quote("\u{0}\u{7}\t\u{1b}\u{7f}"),
            r#""\x00\a\t\x1b\x7f""#
        );
        assert_eq!(go_quote("é\u{85}\u{a0}"), "\"é\\u0085\\u00a0\"");
    }
}
