//! A statement assembled from optional filters, with its arguments.

use rusqlite::types::Value;
use rusqlite::{params_from_iter, ParamsFromIter};

pub(super) struct Sql {
    pub text: String,
    args: Vec<Value>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql {
            text: text.to_owned(),
            args: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.text.push('?');
        self.args.push(value.into());
        self
    }

    pub fn bind_str(&mut self, value: &str) -> &mut Self {
        self.bind(value.to_owned())
    }

    pub fn args(&self) -> ParamsFromIter<std::slice::Iter<'_, Value>> {
        params_from_iter(self.args.iter())
    }
}

impl<'q> crate::history::Filters<'q> for Sql {
    fn sql(&mut self, text: &str) -> &mut Self {
        self.push(text)
    }
    fn text(&mut self, value: &'q str) -> &mut Self {
        self.bind_str(value)
    }
    fn int(&mut self, value: i64) -> &mut Self {
        self.bind(value)
    }
}
