//! A checker of JSON values against the JSON Schema subset `openapi.json` uses: `type` (one or
//! several), `properties`, `required`, `additionalProperties` (`false` or a schema), `items`,
//! `minItems`, `enum`, `oneOf`, `minimum`, `maximum`, `exclusiveMinimum`, `pattern` (only the
//! `^[0-9a-f]{N}$` form) and `$ref` into `#/components/schemas/`. A keyword it does not know
//! fails the check, so the document cannot drift past what is checked.

use serde_json::Value;

/// The keywords [`check`] understands; descriptions and formats carry no constraint it checks.
const KNOWN: [&str; 15] = [
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "enum",
    "oneOf",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "pattern",
    "$ref",
    "description",
    "format",
];

/// What is wrong with `value` against `schema` (empty: it conforms), `document` holding the
/// schemas `$ref` points at, `at` naming where `value` sits.
pub fn check(document: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let mut problems = Vec::new();
    walk(document, schema, value, at, &mut problems);
    problems
}

fn walk(document: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        problems.push(format!("{at}: the schema is not an object"));
        return;
    };
    for keyword in schema.keys() {
        if !KNOWN.contains(&keyword.as_str()) {
            problems.push(format!("{at}: unchecked schema keyword {keyword}"));
        }
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unsupported $ref {reference}"));
        let target = &document["components"]["schemas"][name];
        assert!(!target.is_null(), "{at}: $ref to a missing schema {name}");
        walk(document, target, value, at, problems);
        return;
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !types.iter().any(|t| has_type(value, t)) {
            problems.push(format!("{at}: {value} is not of type {types:?}"));
            return;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        problems.push(format!("{at}: {value} is not one of {options:?}"));
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = options
            .iter()
            .filter(|option| check(document, option, value, at).is_empty())
            .count();
        if matching != 1 {
            problems.push(format!(
                "{at}: {value} matches {matching} of the oneOf schemas, not 1"
            ));
        }
    }
    if let Some(number) = value.as_f64() {
        if let Some(minimum) = schema.get("minimum").and_then(Value::as_f64)
            && number < minimum
        {
            problems.push(format!("{at}: {number} is below {minimum}"));
        }
        if let Some(maximum) = schema.get("maximum").and_then(Value::as_f64)
            && number > maximum
        {
            problems.push(format!("{at}: {number} is above {maximum}"));
        }
        if let Some(bound) = schema.get("exclusiveMinimum").and_then(Value::as_f64)
            && number <= bound
        {
            problems.push(format!("{at}: {number} is not above {bound}"));
        }
    }
    if let (Some(pattern), Some(text)) = (
        schema.get("pattern").and_then(Value::as_str),
        value.as_str(),
    ) {
        let length: usize = pattern
            .strip_prefix("^[0-9a-f]{")
            .and_then(|rest| rest.strip_suffix("}$"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("unsupported pattern {pattern}"));
        if text.len() != length || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            problems.push(format!("{at}: {text:?} does not match {pattern}"));
        }
    }
    if let Some(object) = value.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !object.contains_key(name) {
                problems.push(format!("{at}: missing required {name}"));
            }
        }
        for (name, field) in object {
            let place = format!("{at}.{name}");
            match (
                properties.and_then(|p| p.get(name)),
                schema.get("additionalProperties"),
            ) {
                (Some(property), _) => walk(document, property, field, &place, problems),
                (None, Some(Value::Bool(false))) => {
                    problems.push(format!("{place}: not in the schema"));
                }
                (None, Some(extra @ Value::Object(_))) => {
                    walk(document, extra, field, &place, problems);
                }
                (None, _) => {}
            }
        }
    }
    if let Some(items) = value.as_array() {
        if let Some(least) = schema.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < least
        {
            problems.push(format!("{at}: fewer than {least} items"));
        }
        if let Some(item) = schema.get("items") {
            for (index, element) in items.iter().enumerate() {
                walk(document, item, element, &format!("{at}[{index}]"), problems);
            }
        }
    }
}

/// Whether `value` is of JSON Schema type `name`.
fn has_type(value: &Value, name: &str) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "integer" => value.is_u64() || value.is_i64(),
        "number" => value.is_number(),
        other => panic!("unknown type {other}"),
    }
}

#[test]
fn the_checker_refuses_what_its_schemas_forbid() {
    let document = serde_json::json!({ "components": { "schemas": {
        "Item": { "type": "object", "properties": { "n": { "type": "integer", "minimum": 1 } },
                  "required": ["n"], "additionalProperties": false }
    }}});
    let schema =
        serde_json::json!({ "type": "array", "items": { "$ref": "#/components/schemas/Item" } });
    assert!(check(&document, &schema, &serde_json::json!([{ "n": 2 }]), "$").is_empty());
    let bad = serde_json::json!([{ "n": 0 }, { "m": 1 }, "x"]);
    let problems = check(&document, &schema, &bad, "$");
    assert_eq!(problems.len(), 4, "{problems:?}");
}
