//! The `Authorization` header parser: never panics, and a parsed header
//! prints (as the SDK formats it) to a value that parses back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use respool_sign::parse_authorization;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else {
        // The server only parses headers that are valid visible ASCII/UTF-8.
        return;
    };
    let Ok(parsed) = parse_authorization(value) else {
        return;
    };
    let printed = parsed.to_string();
    let again = parse_authorization(&printed)
        .unwrap_or_else(|e| panic!("{value:?} printed as {printed:?}, which does not parse: {e}"));
    assert_eq!(again, parsed);
    assert_eq!(again.to_string(), printed);
});
