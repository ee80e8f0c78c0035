//! Checks a JSON body against a definition of the Messages OpenAPI spec (the copy in
//! tests/data/acs): discriminators (`kind`) resolved to their concrete definition, `allOf`
//! bases merged, required fields, no unknown fields, types, enums, and the `uuid`/`uri` formats.

use crate::providers::acs::ids::is_guid;
use serde_json::{Map, Value};

const SPEC: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/acs/communicationservicesmessages.json"
));

/// The spec's definitions.
pub struct Spec {
    definitions: Map<String, Value>,
}

impl Spec {
    /// The committed Messages spec (2024-08-30).
    pub fn messages() -> Self {
        let spec: Value = serde_json::from_str(SPEC).expect("the committed spec is JSON");
        Self {
            definitions: spec["definitions"]
                .as_object()
                .cloned()
                .expect("the spec has definitions"),
        }
    }

    /// Checks `value` against definition `name`; the error says where and what.
    pub fn check(&self, name: &str, value: &Value) -> Result<(), String> {
        self.check_def(name, value, "$")
    }

    fn def(&self, name: &str) -> Result<&Value, String> {
        self.definitions
            .get(name)
            .ok_or_else(|| format!("the spec has no definition {name}"))
    }

    /// The concrete definition for a discriminated base: the one whose `allOf` names `base` and
    /// whose `x-ms-discriminator-value` is the value's discriminator field.
    fn concrete(&self, base: &str, value: &Value, at: &str) -> Result<String, String> {
        let def = self.def(base)?;
        let Some(field) = def.get("discriminator").and_then(Value::as_str) else {
            return Ok(base.to_owned());
        };
        let given = value
            .get(field)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{at}.{field} is required"))?;
        let reference = format!("#/definitions/{base}");
        self.definitions
            .iter()
            .find(|(_, d)| {
                d.get("x-ms-discriminator-value").and_then(Value::as_str) == Some(given)
                    && d.get("allOf").and_then(Value::as_array).is_some_and(|all| {
                        all.iter()
                            .any(|a| a.get("$ref").and_then(Value::as_str) == Some(&reference))
                    })
            })
            .map(|(name, _)| name.clone())
            .ok_or_else(|| format!("{at}.{field} {given:?} is not a known {base} kind"))
    }

    /// Properties and required names of `name` and its `allOf` bases.
    fn shape(&self, name: &str, props: &mut Map<String, Value>, required: &mut Vec<String>) {
        let Ok(def) = self.def(name) else { return };
        if let Some(all) = def.get("allOf").and_then(Value::as_array) {
            for base in all {
                if let Some(r) = base.get("$ref").and_then(Value::as_str) {
                    self.shape(r.trim_start_matches("#/definitions/"), props, required);
                }
            }
        }
        if let Some(p) = def.get("properties").and_then(Value::as_object) {
            for (k, v) in p {
                props.insert(k.clone(), v.clone());
            }
        }
        if let Some(r) = def.get("required").and_then(Value::as_array) {
            required.extend(r.iter().filter_map(Value::as_str).map(str::to_owned));
        }
    }

    fn check_def(&self, name: &str, value: &Value, at: &str) -> Result<(), String> {
        let def = self.def(name)?;
        if def.get("type").and_then(Value::as_str) != Some("object") {
            return self.check_schema(def, value, at);
        }
        let obj = value
            .as_object()
            .ok_or_else(|| format!("{at} must be an object"))?;
        let concrete = self.concrete(name, value, at)?;
        let mut props = Map::new();
        let mut required = Vec::new();
        self.shape(&concrete, &mut props, &mut required);
        for r in &required {
            if !obj.contains_key(r) {
                return Err(format!("{at}.{r} is required"));
            }
        }
        for (k, v) in obj {
            let schema = props
                .get(k)
                .ok_or_else(|| format!("{at}.{k} is not a field of {concrete}"))?;
            if schema.get("readOnly") == Some(&Value::Bool(true)) {
                return Err(format!("{at}.{k} is read-only"));
            }
            self.check_schema(schema, v, &format!("{at}.{k}"))?;
        }
        Ok(())
    }

    fn check_schema(&self, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            return self.check_def(r.trim_start_matches("#/definitions/"), value, at);
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            return Err(format!(
                "{at} must be one of {}",
                Value::Array(allowed.clone())
            ));
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("string") => {
                let s = value
                    .as_str()
                    .ok_or_else(|| format!("{at} must be a string"))?;
                match schema.get("format").and_then(Value::as_str) {
                    Some("uuid") if !is_guid(s) => Err(format!("{at} must be a uuid")),
                    Some("uri") if url::Url::parse(s).is_err() => {
                        Err(format!("{at} must be an absolute URI"))
                    }
                    _ => Ok(()),
                }
            }
            Some("array") => {
                let items = value
                    .as_array()
                    .ok_or_else(|| format!("{at} must be an array"))?;
                let item_schema = schema.get("items").cloned().unwrap_or(Value::Null);
                for (i, item) in items.iter().enumerate() {
                    self.check_schema(&item_schema, item, &format!("{at}[{i}]"))?;
                }
                Ok(())
            }
            Some("number") if !value.is_number() => Err(format!("{at} must be a number")),
            Some("integer") if !value.is_i64() => Err(format!("{at} must be an integer")),
            Some("boolean") if !value.is_boolean() => Err(format!("{at} must be a boolean")),
            Some("object") if !value.is_object() => Err(format!("{at} must be an object")),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_specs_own_examples_pass() {
        let spec = Spec::messages();
        for name in [
            "NotificationMessages_SendText.json",
            "NotificationMessages_SendImage.json",
            "NotificationMessages_SendTemplate.json",
        ] {
            let path = format!(
                "{}/tests/data/acs/messages/{name}",
                env!("CARGO_MANIFEST_DIR")
            );
            let ex: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            assert_eq!(
                spec.check("NotificationContent", &ex["parameters"]["body"]),
                Ok(()),
                "{name}"
            );
        }
    }

    #[test]
    fn wrong_bodies_are_refused_saying_where() {
        let spec = Spec::messages();
        let base = json!({"channelRegistrationId": "0f0eb78e-a576-1dfc-b414-0f0756de3338",
                          "to": ["14250000000"]});
        let with = |extra: Value| {
            let mut v = base.clone();
            for (k, x) in extra.as_object().unwrap() {
                v[k] = x.clone();
            }
            v
        };
        let cases = [
            (with(json!({"kind": "text"})), "$.content is required"),
            (with(json!({"kind": "sms", "content": "x"})), "not a known"),
            (
                with(json!({"kind": "text", "content": "x", "body": "x"})),
                "$.body is not a field",
            ),
            (
                with(json!({"kind": "audio", "mediaUri": "x", "caption": "c"})),
                "caption is not a field",
            ),
            (
                with(json!({"kind": "image", "mediaUri": "not a uri"})),
                "absolute URI",
            ),
            (
                json!({"to": ["1"], "kind": "text", "content": "x"}),
                "channelRegistrationId is required",
            ),
            (
                with(json!({"kind": "text", "content": 5})),
                "must be a string",
            ),
            (
                with(
                    json!({"kind": "template", "template": {"name": "t", "language": "en",
                    "bindings": {"kind": "whatsApp", "body": [{"ref": "1"}]}}}),
                ),
                "$.template.bindings.body[0].refValue is required",
            ),
            (
                with(
                    json!({"kind": "template", "template": {"name": "t", "language": "en",
                    "values": [{"name": "1", "kind": "text"}]}}),
                ),
                "$.template.values[0].text is required",
            ),
        ];
        for (body, want) in cases {
            let err = spec.check("NotificationContent", &body).unwrap_err();
            assert!(err.contains(want), "{body}: {err}");
        }
        let mut bad_channel = with(json!({"kind": "text", "content": "x"}));
        bad_channel["channelRegistrationId"] = json!("channel-1");
        assert!(
            spec.check("NotificationContent", &bad_channel)
                .unwrap_err()
                .contains("uuid")
        );
    }
}
