//! OData `$select` over an entity type's properties, shared by every Graph entity the sandbox
//! serves.

use http::StatusCode;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::api;
use crate::wire::Refusal;

/// A property of an entity type: its name, whether Graph sends it without `$select`, and how it
/// is rendered from `T`.
pub(crate) struct Property<T> {
    /// The property name.
    pub name: &'static str,
    /// Whether it is in the default property set.
    pub default: bool,
    /// Its JSON value.
    pub value: fn(&T) -> Box<RawValue>,
}

/// The properties to send for one request.
pub(crate) struct Selection<T: 'static> {
    chosen: Vec<&'static Property<T>>,
    selected: Option<Vec<&'static str>>,
}

impl<T> Selection<T> {
    /// The default set, or the `$select`ed properties in the order asked (plus `id`, which
    /// Graph always sends, last); an unknown name is Graph's 400.
    pub fn new(
        properties: &'static [Property<T>],
        select: Option<&str>,
        type_name: &str,
    ) -> Result<Selection<T>, Refusal> {
        let Some(select) = select.filter(|s| !s.trim().is_empty()) else {
            return Ok(Selection {
                chosen: properties.iter().filter(|p| p.default).collect(),
                selected: None,
            });
        };
        let mut chosen: Vec<&'static Property<T>> = Vec::new();
        for name in select.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let Some(property) = properties
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(name))
            else {
                return Err(Box::new(api::graph_error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    &format!("Could not find a property named '{name}' on type '{type_name}'."),
                )));
            };
            if !chosen.iter().any(|p| p.name == property.name) {
                chosen.push(property);
            }
        }
        let selected = Some(chosen.iter().map(|p| p.name).collect());
        if let Some(id) = properties.iter().find(|p| p.name == "id")
            && !chosen.iter().any(|p| p.name == "id")
        {
            chosen.push(id);
        }
        Ok(Selection { chosen, selected })
    }

    /// The names asked for with `$select`, if it was given.
    pub fn selected(&self) -> Option<&[&'static str]> {
        self.selected.as_deref()
    }

    /// Sends `property` too.
    pub fn include(&mut self, property: &'static Property<T>) {
        if !self.chosen.iter().any(|p| p.name == property.name) {
            self.chosen.push(property);
        }
    }

    /// The chosen properties of `item`, in order.
    pub fn render(&self, item: &T) -> Vec<(&'static str, Box<RawValue>)> {
        self.chosen
            .iter()
            .map(|p| (p.name, (p.value)(item)))
            .collect()
    }

    /// `@odata.context` for this selection: `{base}` as it is, or `{base}(a,b)` with `$select`,
    /// then `suffix`.
    pub fn context(&self, base: &str, suffix: &str) -> String {
        match &self.selected {
            None => format!("{base}{suffix}"),
            Some(names) => format!("{base}({}){suffix}", names.join(",")),
        }
    }
}

/// `value` as a JSON value that keeps the member order of its type.
pub(crate) fn raw(value: &impl Serialize) -> Box<RawValue> {
    serde_json::value::to_raw_value(value).expect("property values serialize")
}
