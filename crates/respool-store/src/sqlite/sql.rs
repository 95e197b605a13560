//! How an assembled [`Query`] binds its values on rusqlite.

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params_from_iter, ParamsFromIter, ToSql};

use crate::queries::{Arg, Query};

impl ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Arg::Text(value) => ValueRef::Text(value.as_bytes()),
            Arg::Int(value) => ValueRef::Integer(value),
        }))
    }
}

/// The values `sql` binds, in order.
pub(super) fn args<'a>(sql: &'a Query<'_>) -> ParamsFromIter<impl Iterator<Item = &'a Arg<'a>>> {
    params_from_iter(sql.args().iter())
}
