//! Reading Gmail request bodies: JSON objects with the fields of a resource, as Google's front
//! end reads them (an unknown name, or a value of the wrong type, is its 400).

use serde_json::{Map, Value};

use crate::api;
use crate::wire::Refusal;

/// A JSON object of a request body, and where it sits in the request.
pub(super) struct Fields {
    object: Map<String, Value>,
    /// The object's path as errors name fields (`message`, `draft.message`), empty for the
    /// request itself.
    path: String,
    /// Whether the object is inside the body (errors then say where an unknown name is).
    nested: bool,
}

impl Fields {
    /// Reads `body`, the request's `path` (empty when the body is the request itself), as an
    /// object of the fields `names` (an empty body is an empty object).
    pub fn read(body: &[u8], path: &str, names: &[&str]) -> Result<Fields, Refusal> {
        let object = match body.iter().all(u8::is_ascii_whitespace) {
            true => Map::new(),
            false => serde_json::from_slice(body).map_err(|e| invalid(&e.to_string()))?,
        };
        Fields::new(object, path.to_owned(), false, names)
    }

    /// `object`, checked to name only fields among `names`.
    fn new(
        object: Map<String, Value>,
        path: String,
        nested: bool,
        names: &[&str],
    ) -> Result<Fields, Refusal> {
        let fields = Fields {
            object,
            path,
            nested,
        };
        if let Some(unknown) = fields.object.keys().find(|k| !names.contains(&k.as_str())) {
            let at = match fields.nested {
                true => format!(" at '{}'", fields.path),
                false => String::new(),
            };
            return Err(invalid(&format!(
                "Unknown name \"{unknown}\"{at}: Cannot find field."
            )));
        }
        Ok(fields)
    }

    /// The path of field `name` in errors: `message.thread_id`.
    pub fn path_of(&self, name: &str) -> String {
        match self.path.is_empty() {
            true => super::snake_case(name),
            false => format!("{}.{}", self.path, super::snake_case(name)),
        }
    }

    /// The string field `name` (`null` counts as absent).
    pub fn string(&self, name: &str) -> Result<Option<String>, Refusal> {
        match self.object.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(wrong_type(&self.path_of(name), other)),
        }
    }

    /// The repeated string field `name` (empty when absent).
    pub fn strings(&self, name: &str) -> Result<Vec<String>, Refusal> {
        let items = match self.object.get(name) {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(items)) => items,
            Some(other) => return Err(wrong_type(&self.path_of(name), other)),
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(wrong_type(&format!("{}[{i}]", self.path_of(name)), other)),
            })
            .collect()
    }

    /// The object field `name`, checked to name only fields among `names`.
    pub fn nested(&self, name: &str, names: &[&str]) -> Result<Option<Fields>, Refusal> {
        match self.object.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(inner)) => {
                Fields::new(inner.clone(), self.path_of(name), true, names).map(Some)
            }
            Some(other) => Err(invalid(&format!(
                "Invalid value at '{}', {other}",
                self.path_of(name)
            ))),
        }
    }
}

/// Google's 400 for a body it cannot read.
fn invalid(detail: &str) -> Refusal {
    Box::new(api::google_rejected(
        "badRequest",
        &format!("Invalid JSON payload received. {detail}"),
    ))
}

/// Google's 400 for `value` where a string belongs, at `path`.
fn wrong_type(path: &str, value: &Value) -> Refusal {
    invalid(&format!("Invalid value at '{path}' (TYPE_STRING), {value}"))
}
