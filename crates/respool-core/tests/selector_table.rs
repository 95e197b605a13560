//! Table tests ported from kubernetes/apimachinery `pkg/labels/selector_test.go`,
//! plus exact error texts and positions.

use std::collections::{BTreeMap, HashMap};

use respool_core::selector::{
    validate_label_key, validate_label_value, Operator, Requirement, Selector,
};

use Operator::*;

/// A label set written as pairs.
type Pairs = &'static [(&'static str, &'static str)];

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn req(key: &str, op: Operator, values: &[&str]) -> Requirement {
    Requirement::new(key, op, values.iter().copied()).unwrap_or_else(|e| panic!("{key} {op}: {e}"))
}

fn parse_ok(input: &str) -> Selector {
    Selector::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"))
}

/// TestSelectorParse: good strings print back without their spaces.
#[test]
fn selector_parse_good_strings() {
    let good = [
        "x=a,y=b,z=c",
        "",
        "x!=a,y=b",
        "x=",
        "x= ",
        "x=,z= ",
        "x= ,z= ",
        "!x",
        "x>1",
        "x>1,z<5",
    ];
    for input in good {
        assert_eq!(
            parse_ok(input).to_string(),
            input.replace(' ', ""),
            "{input:?}"
        );
    }
}

/// TestSelectorParse: bad strings.
#[test]
fn selector_parse_bad_strings() {
    for input in ["x=a||y=b", "x==a==b", "!x=a", "x<a"] {
        assert!(
            Selector::parse(input).is_err(),
            "{input:?} should not parse"
        );
    }
}

#[test]
fn deterministic_parse() {
    let a = parse_ok("x=a,a=x");
    let b = parse_ok("a=x,x=a");
    assert_eq!(a.to_string(), "a=x,x=a");
    assert_eq!(a, b);
}

#[test]
fn everything() {
    let all = Selector::everything();
    assert!(all.is_empty());
    assert!(all.matches(&labels(&[("x", "y")])));
    assert!(all.matches(&labels(&[])));
    assert_eq!(all.to_string(), "");
    for blank in ["", " ", "\t\r\n "] {
        assert_eq!(parse_ok(blank), all, "{blank:?}");
    }
    assert!(!parse_ok("x").is_empty());
}

/// TestSelectorMatches.
#[test]
fn selector_matches() {
    let cases: &[(&str, Pairs, bool)] = &[
        ("", &[("x", "y")], true),
        ("x=y", &[("x", "y")], true),
        ("x=y,z=w", &[("x", "y"), ("z", "w")], true),
        ("x!=y,z!=w", &[("x", "z"), ("z", "a")], true),
        ("notin=in", &[("notin", "in")], true),
        ("x", &[("x", "z")], true),
        ("!x", &[("y", "z")], true),
        ("x>1", &[("x", "2")], true),
        ("x<1", &[("x", "0")], true),
        ("x=z", &[], false),
        ("x=y", &[("x", "z")], false),
        ("x=y,z=w", &[("x", "w"), ("z", "w")], false),
        ("x!=y,z!=w", &[("x", "z"), ("z", "w")], false),
        ("x", &[("y", "z")], false),
        ("!x", &[("x", "z")], false),
        ("x>1", &[("x", "0")], false),
        ("x<1", &[("x", "2")], false),
        ("foo=bar", &[("foo", "bar"), ("baz", "blah")], true),
        ("baz=blah", &[("foo", "bar"), ("baz", "blah")], true),
        ("foo=bar,baz=blah", &[("foo", "bar"), ("baz", "blah")], true),
        ("foo=blah", &[("foo", "bar"), ("baz", "blah")], false),
        ("baz=bar", &[("foo", "bar"), ("baz", "blah")], false),
        (
            "foo=bar,foobar=bar,baz=blah",
            &[("foo", "bar"), ("baz", "blah")],
            false,
        ),
        // Absent keys: != and notin match, = / in / gt / lt do not.
        ("x!=y", &[], true),
        ("x notin (a,b)", &[], true),
        ("x in (a,b)", &[], false),
        ("x>1", &[], false),
        ("x<1", &[], false),
        // Empty values.
        ("x=", &[("x", "")], true),
        ("x in ()", &[("x", "")], true),
        ("x in ()", &[("x", "a")], false),
        ("x in (a,)", &[("x", "")], true),
        ("x notin (a,)", &[("x", "")], false),
        // gt/lt need an int64 label; anything else is simply false.
        ("x>1", &[("x", "v2")], false),
        ("x<5", &[("x", "")], false),
        ("x<5", &[("x", " 3")], false),
        ("x>1", &[("x", "+2")], true),
        ("x>1", &[("x", "9223372036854775807")], true),
        ("x<1", &[("x", "-9223372036854775808")], true),
        ("x>1", &[("x", "9223372036854775808")], false),
        ("x<10", &[("x", "0x5")], false),
        ("x<10", &[("x", "1_0")], false),
        ("x>1", &[("x", "1")], false),
        ("x<1", &[("x", "1")], false),
        ("x>1,x<3", &[("x", "2")], true),
        ("x>1,x<3", &[("x", "3")], false),
        // The same key twice is ANDed.
        ("z!=a,z", &[("z", "b")], true),
        ("z!=a,z", &[("z", "a")], false),
        ("z!=a,z", &[], false),
        ("x=a,x=b", &[("x", "a")], false),
    ];
    for (selector, set, want) in cases {
        let sel = parse_ok(selector);
        assert_eq!(sel.matches(&labels(set)), *want, "{selector:?} on {set:?}");
        let hashed: HashMap<String, String> = labels(set).into_iter().collect();
        assert_eq!(
            sel.matches(&hashed),
            *want,
            "{selector:?} on HashMap {set:?}"
        );
    }
}

/// TestRequirementSelectorMatching.
#[test]
fn requirement_selector_matching() {
    let cases: Vec<(Pairs, Vec<Requirement>, bool)> = vec![
        (
            &[("x", "foo"), ("y", "baz")],
            vec![req("x", In, &["foo"]), req("y", NotIn, &["alpha"])],
            true,
        ),
        (
            &[("x", "foo"), ("y", "baz")],
            vec![req("x", In, &["foo"]), req("y", In, &["alpha"])],
            false,
        ),
        (
            &[("y", "")],
            vec![req("x", NotIn, &[""]), req("y", Exists, &[])],
            true,
        ),
        (
            &[("y", "")],
            vec![req("x", DoesNotExist, &[]), req("y", Exists, &[])],
            true,
        ),
        (
            &[("y", "")],
            vec![req("x", NotIn, &[""]), req("y", DoesNotExist, &[])],
            false,
        ),
        (&[("y", "baz")], vec![req("x", In, &[""])], false),
        (&[("z", "2")], vec![req("z", GreaterThan, &["1"])], true),
        (&[("z", "v2")], vec![req("z", GreaterThan, &["1"])], false),
    ];
    for (set, reqs, want) in cases {
        let sel = Selector::from_requirements(reqs);
        assert_eq!(sel.matches(&labels(set)), want, "{sel} on {set:?}");
    }
    // A hand-built gt requirement with a non-integer bound never matches.
    let broken = Requirement {
        key: "z".into(),
        op: GreaterThan,
        values: vec!["one".into()],
    };
    assert!(!broken.matches(&labels(&[("z", "2")])));
}

/// TestToString.
#[test]
fn to_string() {
    let cases = [
        (
            vec![
                req("x", In, &["abc", "def"]),
                req("y", NotIn, &["jkl"]),
                req("z", Exists, &[]),
            ],
            "x in (abc,def),y notin (jkl),z",
        ),
        (
            vec![
                req("x", NotIn, &["abc", "def"]),
                req("y", NotEquals, &["jkl"]),
                req("z", DoesNotExist, &[]),
            ],
            "x notin (abc,def),y!=jkl,!z",
        ),
        (
            vec![
                req("x", NotIn, &["abc"]),
                req("y", In, &["jkl", "mno"]),
                req("z", NotIn, &[""]),
            ],
            "x notin (abc),y in (jkl,mno),z notin ()",
        ),
        (
            vec![
                req("x", Equals, &["abc"]),
                req("y", DoubleEquals, &["jkl"]),
                req("z", NotEquals, &["a"]),
                req("z", Exists, &[]),
            ],
            "x=abc,y==jkl,z!=a,z",
        ),
        (
            vec![
                req("x", GreaterThan, &["2"]),
                req("y", LessThan, &["8"]),
                req("z", Exists, &[]),
            ],
            "x>2,y<8,z",
        ),
    ];
    for (reqs, want) in cases {
        let sel = Selector::from_requirements(reqs);
        assert_eq!(sel.to_string(), want);
        assert_eq!(
            parse_ok(want),
            sel,
            "{want:?} reparses to the same selector"
        );
    }
    // from_requirements sorts by key, stably.
    let sel = Selector::from_requirements([
        req("b", Exists, &[]),
        req("a", Equals, &["1"]),
        req("b", Equals, &["2"]),
    ]);
    assert_eq!(sel.to_string(), "a=1,b,b=2");
    // Values print sorted even when filled in by hand.
    let by_hand = Requirement {
        key: "k".into(),
        op: In,
        values: vec!["z".into(), "a".into()],
    };
    assert_eq!(by_hand.to_string(), "k in (a,z)");
}

/// TestSetSelectorParser: (input, expected requirements, or None if invalid).
#[test]
fn set_selector_parser() {
    type Reqs = &'static [(&'static str, Operator, &'static [&'static str])];
    let cases: &[(&str, Option<Reqs>)] = &[
        ("", Some(&[])),
        ("\rx", Some(&[("x", Exists, &[])])),
        (
            "this-is-a-dns.domain.com/key-with-dash",
            Some(&[("this-is-a-dns.domain.com/key-with-dash", Exists, &[])]),
        ),
        (
            "this-is-another-dns.domain.com/key-with-dash in (so,what)",
            Some(&[(
                "this-is-another-dns.domain.com/key-with-dash",
                In,
                &["so", "what"],
            )]),
        ),
        (
            "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
            Some(&[(
                "0.1.2.domain/99",
                NotIn,
                &["10.10.100.1", "tick.tack.clock"],
            )]),
        ),
        ("foo  in\t (abc)", Some(&[("foo", In, &["abc"])])),
        ("x notin\n (abc)", Some(&[("x", NotIn, &["abc"])])),
        (
            "x  notin\t\t\t(abc,def)",
            Some(&[("x", NotIn, &["abc", "def"])]),
        ),
        ("x in (abc,def)", Some(&[("x", In, &["abc", "def"])])),
        ("x in (abc,)", Some(&[("x", In, &["", "abc"])])),
        ("x in ()", Some(&[("x", In, &[""])])),
        (
            "x notin (abc,,def),bar,z in (),w",
            Some(&[
                ("bar", Exists, &[]),
                ("w", Exists, &[]),
                ("x", NotIn, &["", "abc", "def"]),
                ("z", In, &[""]),
            ]),
        ),
        ("x,y in (a)", Some(&[("x", Exists, &[]), ("y", In, &["a"])])),
        ("x=a", Some(&[("x", Equals, &["a"])])),
        ("x>1", Some(&[("x", GreaterThan, &["1"])])),
        ("x<7", Some(&[("x", LessThan, &["7"])])),
        (
            "x=a,y!=b",
            Some(&[("x", Equals, &["a"]), ("y", NotEquals, &["b"])]),
        ),
        (
            "x=a,y!=b,z in (h,i,j)",
            Some(&[
                ("x", Equals, &["a"]),
                ("y", NotEquals, &["b"]),
                ("z", In, &["h", "i", "j"]),
            ]),
        ),
        ("x=a||y=b", None),
        ("x,,y", None),
        (",x,y", None),
        ("x nott in (y)", None),
        ("x notin ( )", Some(&[("x", NotIn, &[""])])),
        ("x notin (, a)", Some(&[("x", NotIn, &["", "a"])])),
        ("a in (xyz),", None),
        ("a in (xyz)b notin ()", None),
        ("a ", Some(&[("a", Exists, &[])])),
        (
            "a in (x,y,notin, z,in)",
            Some(&[("a", In, &["in", "notin", "x", "y", "z"])]),
        ),
        ("a in (xyz abc)", None),
        ("a notin(", None),
        ("a (", None),
        ("(", None),
        // Current upstream: every empty slot in a list is "" (no token skipped).
        ("x in (a,,)", Some(&[("x", In, &["", "a"])])),
        ("x in (,,)", Some(&[("x", In, &[""])])),
        ("x in (,,,a)", Some(&[("x", In, &["", "a"])])),
        ("x in (a,,b)", Some(&[("x", In, &["", "a", "b"])])),
        ("x in (b,a,b,a)", Some(&[("x", In, &["a", "b"])])),
        // Keywords are identifiers where a key or value belongs.
        ("notin=in", Some(&[("notin", Equals, &["in"])])),
        ("in", Some(&[("in", Exists, &[])])),
        ("!notin", Some(&[("notin", DoesNotExist, &[])])),
        ("in in (in)", Some(&[("in", In, &["in"])])),
        ("notin notin (notin)", Some(&[("notin", NotIn, &["notin"])])),
        ("x==in", Some(&[("x", DoubleEquals, &["in"])])),
        // Whitespace is optional around symbols and may be \t \r \n.
        (
            " x \t=\r\n a , ! y ",
            Some(&[("x", Equals, &["a"]), ("y", DoesNotExist, &[])]),
        ),
        (
            "x=a,y=,z==",
            Some(&[
                ("x", Equals, &["a"]),
                ("y", Equals, &[""]),
                ("z", DoubleEquals, &[""]),
            ]),
        ),
        ("k!=", Some(&[("k", NotEquals, &[""])])),
        // Stable sort: same-key requirements keep their input order.
        (
            "z,b=1,z!=a",
            Some(&[
                ("b", Equals, &["1"]),
                ("z", Exists, &[]),
                ("z", NotEquals, &["a"]),
            ]),
        ),
        ("x>007", Some(&[("x", GreaterThan, &["007"])])),
        (
            "x<9223372036854775807",
            Some(&[("x", LessThan, &["9223372036854775807"])]),
        ),
        ("x>9223372036854775808", None),
        ("x>-1", None),
        ("x gt 1", None),
        ("x>=1", None),
        ("x===a", None),
        ("x=a b", None),
        ("x=(a)", None),
        ("x in a", None),
        ("x in (a", None),
        ("x in (a,=)", None),
        ("x notin", None),
        ("!", None),
        ("!!x", None),
        ("x!", None),
        ("!x in (a)", None),
        ("x,", None),
        (",", None),
        (")", None),
        ("=a", None),
    ];
    for (input, want) in cases {
        let got = Selector::parse(input);
        match want {
            None => assert!(got.is_err(), "{input:?} should not parse, got {got:?}"),
            Some(reqs) => {
                let got = got.unwrap_or_else(|e| panic!("{input:?}: {e}"));
                let got: Vec<(&str, Operator, Vec<&str>)> = got
                    .requirements()
                    .iter()
                    .map(|r| {
                        (
                            r.key.as_str(),
                            r.op,
                            r.values.iter().map(String::as_str).collect(),
                        )
                    })
                    .collect();
                let want: Vec<(&str, Operator, Vec<&str>)> = reqs
                    .iter()
                    .map(|(k, op, vs)| (*k, *op, vs.to_vec()))
                    .collect();
                assert_eq!(got, want, "{input:?}");
            }
        }
    }
}

const NAME_REGEX_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_REGEX_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const PREFIX_REGEX_MSG: &str = "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/// TestRequirementConstructor, with the exact aggregate messages.
#[test]
fn requirement_constructor() {
    let long = "a".repeat(254);
    let ok_cases: &[(&str, Operator, &[&str])] = &[
        ("x", In, &["foo"]),
        ("x", NotIn, &["foo"]),
        ("x", Exists, &[]),
        ("x", DoesNotExist, &[]),
        ("1foo", In, &["bar"]),
        ("1234", In, &["bar"]),
        ("y", GreaterThan, &["1"]),
        ("z", LessThan, &["6"]),
        ("x", Equals, &["a", "a"]),
        ("example.com/MyName", Equals, &[""]),
    ];
    for (key, op, values) in ok_cases {
        assert!(
            Requirement::new(*key, *op, values.iter().copied()).is_ok(),
            "{key} {op} {values:?}"
        );
    }
    let r = req("x", In, &["b", "a", "b"]);
    assert_eq!(r.values, ["a", "b"], "values are a sorted set");

    let err_cases: Vec<(&str, Operator, Vec<&str>, String)> = vec![
        (
            "x",
            In,
            vec![],
            "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty".into(),
        ),
        (
            "x",
            NotIn,
            vec![],
            "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty".into(),
        ),
        (
            "x5",
            Equals,
            vec!["foo", "bar"],
            r#"values: Invalid value: []string{"bar", "foo"}: exact-match compatibility requires one single value"#.into(),
        ),
        (
            "x8",
            Exists,
            vec!["foo"],
            r#"values: Invalid value: []string{"foo"}: values set must be empty for exists and does not exist"#.into(),
        ),
        (
            "x13",
            GreaterThan,
            vec![],
            "values: Invalid value: []string{}: for 'Gt', 'Lt' operators, exactly one value is required".into(),
        ),
        (
            "foo",
            GreaterThan,
            vec!["bar"],
            r#"values[0]: Invalid value: "bar": for 'Gt', 'Lt' operators, the value must be an integer"#.into(),
        ),
        (
            "barz",
            LessThan,
            vec!["blah"],
            r#"values[0]: Invalid value: "blah": for 'Gt', 'Lt' operators, the value must be an integer"#.into(),
        ),
        (
            long.as_str(),
            Exists,
            vec![],
            format!("key: Invalid value: \"{long}\": name part must be no more than 63 bytes"),
        ),
        (
            "x16",
            Equals,
            vec![long.as_str()],
            format!("values[0][x16]: Invalid value: \"{long}\": must be no more than 63 bytes"),
        ),
        (
            "x17",
            Equals,
            vec!["a b"],
            format!("values[0][x17]: Invalid value: \"a b\": {VALUE_REGEX_MSG}"),
        ),
        (
            "-x",
            In,
            vec![],
            format!(
                "[key: Invalid value: \"-x\": name part {NAME_REGEX_MSG}, values: Invalid value: []string{{}}: for 'in', 'notin' operators, values set can't be empty]"
            ),
        ),
        (
            "x",
            LessThan,
            vec!["1", "-2"],
            format!(
                "[values: Invalid value: []string{{\"-2\", \"1\"}}: for 'Gt', 'Lt' operators, exactly one value is required, values[0][x]: Invalid value: \"-2\": {VALUE_REGEX_MSG}]"
            ),
        ),
    ];
    for (key, op, values, want) in err_cases {
        assert_eq!(
            Requirement::new(key, op, values.clone()),
            Err(want),
            "{key} {op} {values:?}"
        );
    }
}

/// Label key and value validity (IsQualifiedName / IsValidLabelValue).
#[test]
fn key_and_value_validation() {
    for key in [
        "a",
        "A",
        "1",
        "a-b_c.d",
        "1234",
        "example.com/MyName",
        "0.1.2.domain/99",
        "a-b.c-d/e",
        &"k".repeat(63),
        &format!("{}/{}", "p".repeat(253), "n".repeat(63)),
    ] {
        assert_eq!(validate_label_key(key), Ok(()), "{key:?}");
    }
    let key_errors: Vec<(String, String)> = vec![
        ("".into(), format!("name part must be non-empty; name part {NAME_REGEX_MSG}")),
        ("-a".into(), format!("name part {NAME_REGEX_MSG}")),
        ("a-".into(), format!("name part {NAME_REGEX_MSG}")),
        ("a b".into(), format!("name part {NAME_REGEX_MSG}")),
        ("é".into(), format!("name part {NAME_REGEX_MSG}")),
        ("k".repeat(64), "name part must be no more than 63 bytes".into()),
        ("/a".into(), "prefix part must be non-empty".into()),
        ("a/".into(), format!("name part must be non-empty; name part {NAME_REGEX_MSG}")),
        ("Example.com/a".into(), PREFIX_REGEX_MSG.into()),
        ("a..b/c".into(), PREFIX_REGEX_MSG.into()),
        ("a_b/c".into(), PREFIX_REGEX_MSG.into()),
        (format!("{}/n", "p".repeat(254)), "prefix part must be no more than 253 bytes".into()),
        ("-p/-n".into(), format!("{PREFIX_REGEX_MSG}; name part {NAME_REGEX_MSG}")),
        (
            "a/b/c".into(),
            format!(
                "a valid label key {NAME_REGEX_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ),
        ),
    ];
    for (key, want) in key_errors {
        assert_eq!(validate_label_key(&key), Err(want), "{key:?}");
    }

    for value in [
        "",
        "a",
        "MyValue",
        "my_value",
        "12345",
        "a.b-c_d",
        &"v".repeat(63),
    ] {
        assert_eq!(validate_label_value(value), Ok(()), "{value:?}");
    }
    let value_errors: Vec<(String, String)> = vec![
        ("-a".into(), VALUE_REGEX_MSG.into()),
        ("a_".into(), VALUE_REGEX_MSG.into()),
        ("a/b".into(), VALUE_REGEX_MSG.into()),
        ("ü".into(), VALUE_REGEX_MSG.into()),
        ("v".repeat(64), "must be no more than 63 bytes".into()),
        (
            format!("{}-", "v".repeat(63)),
            format!("must be no more than 63 bytes; {VALUE_REGEX_MSG}"),
        ),
    ];
    for (value, want) in value_errors {
        assert_eq!(validate_label_value(&value), Err(want), "{value:?}");
    }
}

/// Exact messages and byte positions of parse errors.
#[test]
fn error_messages_and_positions() {
    let unable = "unable to parse requirement: ";
    let cases: Vec<(&str, String, usize)> = vec![
        ("x==a==b", "found '==', expected: ',' or 'end of string'".into(), 4),
        ("!x=a", "found '=', expected: ',' or 'end of string'".into(), 2),
        (
            "x=a||y=b",
            format!("{unable}values[0][x]: Invalid value: \"a||y\": {VALUE_REGEX_MSG}"),
            2,
        ),
        (",x,y", "found ',', expected: !, identifier, or 'end of string'".into(), 0),
        ("(", "found '(', expected: !, identifier, or 'end of string'".into(), 0),
        ("  )", "found ')', expected: !, identifier, or 'end of string'".into(), 2),
        ("x,,y", "found ',', expected: identifier after ','".into(), 2),
        ("a in (xyz),", "found '', expected: identifier after ','".into(), 11),
        ("a in (xyz),  ", "found '', expected: identifier after ','".into(), 13),
        ("x nott in (y)", format!("{unable}found 'nott', expected: in, notin, =, ==, !=, gt, lt"), 2),
        ("a (", format!("{unable}found '(', expected: in, notin, =, ==, !=, gt, lt"), 2),
        ("x gt 1", format!("{unable}found 'gt', expected: in, notin, =, ==, !=, gt, lt"), 2),
        ("x!", format!("{unable}found '!', expected: in, notin, =, ==, !=, gt, lt"), 1),
        ("a notin(", format!("{unable}found '', expected: ',', ')' or identifier"), 8),
        ("a in (=)", format!("{unable}found '=', expected: ',', ')' or identifier"), 6),
        ("a in (xyz abc)", format!("{unable}found 'abc', expected: ',' or ')'"), 10),
        ("a in (xyz", format!("{unable}found '', expected: ',' or ')'"), 9),
        ("x in (a,=)", format!("{unable}found '=', expected: ',', or identifier"), 8),
        ("a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'".into(), 10),
        ("x in y", format!("{unable}found 'y' expected: '('"), 5),
        ("x notin", format!("{unable}found '' expected: '('"), 7),
        (
            "x<a",
            format!("{unable}values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer"),
            2,
        ),
        (
            "x>",
            format!("{unable}values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer"),
            2,
        ),
        (
            "a=1, x< ,b",
            format!("{unable}values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer"),
            8,
        ),
        (
            "x<a-",
            format!(
                "{unable}[values[0]: Invalid value: \"a-\": for 'Gt', 'Lt' operators, the value must be an integer, values[0][x]: Invalid value: \"a-\": {VALUE_REGEX_MSG}]"
            ),
            2,
        ),
        (
            "x>-1",
            format!("{unable}values[0][x]: Invalid value: \"-1\": {VALUE_REGEX_MSG}"),
            2,
        ),
        ("x>=1", format!("{unable}found '=', expected: identifier"), 2),
        ("x===a", format!("{unable}found '=', expected: identifier"), 3),
        ("x=(a)", format!("{unable}found '(', expected: identifier"), 2),
        ("!", format!("{unable}found '', expected: identifier"), 1),
        ("a, !,b", format!("{unable}found ',', expected: identifier"), 4),
        ("!x in (a)", "found 'in', expected: ',' or 'end of string'".into(), 3),
        ("-a=b", format!("{unable}<nil>: Invalid value: \"-a\": name part {NAME_REGEX_MSG}"), 0),
        ("ok, !-a", format!("{unable}<nil>: Invalid value: \"-a\": name part {NAME_REGEX_MSG}"), 5),
        (
            "a/b/c",
            format!(
                "{unable}<nil>: Invalid value: \"a/b/c\": a valid label key {NAME_REGEX_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ),
            0,
        ),
        // Values are validated in sorted order (the index is the sorted one),
        // but the position is where the bad value sits in the input.
        ("x in (b, -a)", format!("{unable}values[0][x]: Invalid value: \"-a\": {VALUE_REGEX_MSG}"), 9),
        ("x in (z-, a)", format!("{unable}values[1][x]: Invalid value: \"z-\": {VALUE_REGEX_MSG}"), 6),
        (
            "x in (b-,a-)",
            format!(
                "{unable}[values[0][x]: Invalid value: \"a-\": {VALUE_REGEX_MSG}, values[1][x]: Invalid value: \"b-\": {VALUE_REGEX_MSG}]"
            ),
            6,
        ),
        (
            "x=\u{7}\u{0}\"",
            format!("{unable}values[0][x]: Invalid value: \"\\a\\x00\\\"\": {VALUE_REGEX_MSG}"),
            2,
        ),
        ("é=1", format!("{unable}<nil>: Invalid value: \"é\": name part {NAME_REGEX_MSG}"), 0),
        ("a=1,é", format!("{unable}<nil>: Invalid value: \"é\": name part {NAME_REGEX_MSG}"), 4),
    ];
    for (input, message, position) in cases {
        let err = Selector::parse(input).expect_err(input);
        assert_eq!(err.message, message, "{input:?}");
        assert_eq!(err.position, position, "{input:?}");
        assert_eq!(
            err.to_string(),
            format!("{message} at position {position}"),
            "{input:?}"
        );
    }
}

/// TestRequiresExactMatch, through `exact_value`.
#[test]
fn exact_value() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("key in (value)", "key", Some("value")),
        ("key in (value,value2)", "key", None),
        (
            "key in (value,value1),key2 in (value2)",
            "key2",
            Some("value2"),
        ),
        ("key=value", "key", Some("value")),
        ("key==value", "key", Some("value")),
        ("key!=value", "key", None),
        ("key in (value),key2 in (value2)", "key", Some("value")),
        ("key notin (value)", "key", None),
        ("key", "key", None),
        ("key>1", "key", None),
        ("key=", "key", Some("")),
        ("key in ()", "key", Some("")),
        ("key in (v,v)", "key", Some("v")),
        ("other=v", "key", None),
        ("", "key", None),
        // Other requirements on the same key do not hide the pinned value.
        ("key,key=v", "key", Some("v")),
        ("key!=a,key in (b)", "key", Some("b")),
    ];
    for (input, key, want) in cases {
        assert_eq!(parse_ok(input).exact_value(key), *want, "{input:?} / {key}");
    }
}

/// Untrusted input: never a panic, always a parse or an error in range.
#[test]
fn hostile_inputs() {
    let long_ident = "a".repeat(100_000);
    let many_commas = format!("x in ({})", ",".repeat(100_000));
    let many_reqs = vec!["a=b"; 20_000].join(",");
    let nested = "(".repeat(10_000);
    let inputs = [
        "\u{0}",
        "a\u{0}b",
        "x=\u{0}",
        "\u{feff}x",
        "日本=語",
        "x in (🎉)",
        "\u{1b}[31m",
        "x=\u{85}",
        &long_ident,
        &many_commas,
        &many_reqs,
        &nested,
    ];
    for input in inputs {
        match Selector::parse(input) {
            Ok(sel) => assert_eq!(parse_ok(&sel.to_string()), sel),
            Err(e) => {
                assert!(e.position <= input.len(), "{e}");
                assert!(input.is_char_boundary(e.position), "{e}");
            }
        }
    }
    assert_eq!(parse_ok(&many_commas).to_string(), "x in ()");
    // Thousands of bad values: the first 16 errors are spelled out, the rest counted.
    let bad_values: Vec<String> = (0..5000).map(|i| format!("v{i:04}-")).collect();
    let err = Selector::parse(&format!("x in ({})", bad_values.join(","))).unwrap_err();
    assert!(err
        .message
        .starts_with("unable to parse requirement: [values[0][x]: Invalid value: \"v0000-\": "));
    assert!(
        err.message.ends_with(", and 4984 more errors]"),
        "{}",
        &err.message[err.message.len() - 80..]
    );
    assert_eq!(err.message.matches("Invalid value").count(), 16);
    assert_eq!(err.position, 6);
    assert_eq!(parse_ok(&many_reqs).requirements().len(), 20_000);
    assert_eq!(Selector::parse(&long_ident).unwrap_err().position, 0);
    // NUL is not end-of-input here (Go's lexer stops at it): it is a bad byte.
    assert_eq!(Selector::parse("a=b\u{0}").unwrap_err().position, 2);
    assert_eq!(Selector::parse("a\u{0}").unwrap_err().position, 0);
}

#[test]
fn from_str_and_operator_names() {
    let sel: Selector = "b in (y,x),a".parse().unwrap();
    assert_eq!(sel.to_string(), "a,b in (x,y)");
    assert!("a b".parse::<Selector>().is_err());
    let names: Vec<&str> = [
        Exists,
        DoesNotExist,
        Equals,
        DoubleEquals,
        NotEquals,
        In,
        NotIn,
        GreaterThan,
        LessThan,
    ]
    .iter()
    .map(|op| op.as_str())
    .collect();
    assert_eq!(
        names,
        ["exists", "!", "=", "==", "!=", "in", "notin", "gt", "lt"]
    );
}
