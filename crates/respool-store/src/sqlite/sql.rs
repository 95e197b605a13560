//! How the values of a statement from [`crate::queries`] bind on rusqlite.

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params_from_iter, ParamsFromIter, ToSql};

use crate::queries::Arg;

impl ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Arg::Text(value) => ValueRef::Text(value.as_bytes()),
            Arg::Int(value) => ValueRef::Integer(value),
        }))
    }
}

/// `args`, bound in order.
pub(super) fn values<'a, 'q>(args: &'a [Arg<'q>]) -> ParamsFromIter<std::slice::Iter<'a, Arg<'q>>> {
    params_from_iter(args.iter())
}
