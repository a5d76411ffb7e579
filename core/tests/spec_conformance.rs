//! The spec is the single source of truth: this test proves that core's resource names,
//! event types and error codes match `spec/openapi.yaml`, and that every operation of the
//! spec is reached by a core method (by calling each method against a recording server and
//! matching what arrived to the spec's path templates).

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::{json, Server};
use erp_api_client::spec::{ERROR_CODES, EVENT_TYPES, RESOURCES};
use erp_api_client::{kind_for_code, Client, DeliveryQuery, Error, Method, WebhookParams};
use serde_json::json;
use serde_yaml::Value as Yaml;

fn spec() -> Yaml {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/openapi.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn enum_of(spec: &Yaml, schema: &str) -> BTreeSet<String> {
    spec["components"]["schemas"][schema]["enum"]
        .as_sequence()
        .unwrap_or_else(|| panic!("components.schemas.{schema}.enum missing"))
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// (operationId, METHOD, path template) of every operation under `paths`.
fn operations(spec: &Yaml) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_mapping().unwrap() {
        for (method, op) in item.as_mapping().unwrap() {
            let method = method.as_str().unwrap();
            if !["get", "post", "patch", "delete", "put"].contains(&method) {
                continue;
            }
            out.push((
                op["operationId"].as_str().unwrap().to_owned(),
                method.to_ascii_uppercase(),
                path.as_str().unwrap().to_owned(),
            ));
        }
    }
    out
}

fn template_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(a, b)| (a.starts_with('{') && a.ends_with('}')) || a == b)
}

#[test]
fn error_codes_match_the_spec_and_each_maps_to_a_kind() {
    let s = spec();
    let spec_codes = enum_of(&s, "ErrorCode");
    let core_codes: BTreeSet<String> = ERROR_CODES.iter().map(|s| s.to_string()).collect();
    assert_eq!(spec_codes, core_codes);
    for code in &spec_codes {
        let kind = kind_for_code(code).unwrap_or_else(|| panic!("{code} has no error kind"));
        assert!(Error::KINDS.contains(&kind));
    }
    assert_eq!(kind_for_code("NOPE"), None);
}

#[test]
fn event_types_match_the_spec_and_the_resources() {
    let s = spec();
    let spec_types = enum_of(&s, "EventType");
    let core_types: BTreeSet<String> = EVENT_TYPES.iter().map(|s| s.to_string()).collect();
    assert_eq!(spec_types, core_types);
    for r in RESOURCES {
        for action in ["created", "updated", "deleted"] {
            let t = format!("{}.{action}", r.singular);
            assert!(core_types.contains(&t), "{t}");
        }
    }
}

#[test]
fn resources_match_the_spec() {
    let s = spec();
    let ops = operations(&s);
    for r in RESOURCES {
        for op in ["list", "get", "create", "update", "delete"] {
            let id = format!("{}.{op}", r.name);
            let found = ops.iter().find(|(o, _, _)| *o == id);
            let (_, _, path) = found.unwrap_or_else(|| panic!("spec lacks {id}"));
            assert!(path.starts_with(&format!("/{}", r.path)), "{id}: {path}");
        }
    }
    // And nothing in the spec's paths is a resource core does not know.
    for (id, _, _) in &ops {
        let prefix = id.split('.').next().unwrap();
        assert!(
            RESOURCES.iter().any(|r| r.name == prefix)
                || ["batch", "webhooks", "events"].contains(&prefix),
            "unknown operation group in {id}"
        );
    }
}

#[test]
fn resource_fields_match_the_create_schemas() {
    use erp_api_client::spec::FieldKind;
    let s = spec();
    for r in RESOURCES {
        let schema = &s["components"]["schemas"][r.create_schema];
        let props = schema["properties"]
            .as_mapping()
            .unwrap_or_else(|| panic!("{} has no properties", r.create_schema));
        let mut spec_fields = BTreeSet::new();
        for (name, p) in props {
            let name = name.as_str().unwrap().to_owned();
            let kind = match p["type"].as_str() {
                Some("integer") => FieldKind::Integer,
                Some("number") => FieldKind::Number,
                Some("array") | Some("object") => FieldKind::Json,
                Some("string") | None => FieldKind::Text, // `$ref`s are string enums / patterns
                Some(other) => panic!("{}.{name}: unexpected type {other}", r.create_schema),
            };
            let core = r.fields.iter().find(|(n, _)| *n == name);
            assert_eq!(
                core.map(|(_, k)| *k),
                Some(kind),
                "{}.{name}",
                r.create_schema
            );
            spec_fields.insert(name);
        }
        let core_fields: BTreeSet<String> = r.fields.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(core_fields, spec_fields, "{}", r.create_schema);
        let required: BTreeSet<String> = schema["required"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        let core_required: BTreeSet<String> = r.required.iter().map(|n| n.to_string()).collect();
        assert_eq!(core_required, required, "{}", r.create_schema);
    }
}

#[tokio::test]
async fn every_spec_operation_is_reached_by_a_core_method() {
    let universal = json!({
        "id": "x_1", "url": "https://example.com/h", "events": [], "webhook_id": "whk_1",
        "event_id": "evt_1", "event_type": "company.created", "status": "completed",
        "data": [], "next_cursor": null
    });
    let srv = Server::start(move |_, _| json(200, universal.clone())).await;
    let c = Client::builder(&srv.url)
        .api_key("k")
        .max_retries(0)
        .build()
        .unwrap();
    let body = json!({"name": "x"});

    for r in RESOURCES {
        let q = c.resource(r.path).unwrap();
        q.list().await.unwrap();
        q.get("id_1").await.unwrap();
        q.create(&body).await.unwrap();
        q.update("id_1", &body).await.unwrap();
        q.delete("id_1").await.unwrap();
    }
    let b = c.batch().add(Method::Post, "/companies", &body);
    b.execute().await.unwrap();
    let h = b.submit().await.unwrap();
    h.status().await.unwrap();
    c.event_types().await.unwrap();
    let w = c.webhooks();
    w.list().await.unwrap();
    w.register("https://example.com/h", ["company.created"])
        .await
        .unwrap();
    w.get("whk_1").await.unwrap();
    w.update("whk_1", WebhookParams::default().active(false))
        .await
        .unwrap();
    w.delete("whk_1").await.unwrap();
    w.test("whk_1").await.unwrap();
    w.rotate_secret("whk_1").await.unwrap();
    w.deliveries("whk_1", &DeliveryQuery::default())
        .await
        .unwrap();
    w.delivery("whk_1", "dlv_1").await.unwrap();
    w.retry_delivery("whk_1", "dlv_1").await.unwrap();
    w.stats("whk_1").await.unwrap();

    let s = spec();
    let ops = operations(&s);
    let mut reached = BTreeSet::new();
    for req in srv.requests() {
        let path = req.path().strip_prefix("/api/v1").unwrap();
        let matched: Vec<&String> = ops
            .iter()
            .filter(|(_, m, t)| *m == req.method && template_matches(t, path))
            // A literal segment beats a template one (/events/types vs /{x}/{id}).
            .max_by_key(|(_, _, t)| t.split('/').filter(|s| !s.starts_with('{')).count())
            .map(|(id, _, _)| id)
            .into_iter()
            .collect();
        assert_eq!(
            matched.len(),
            1,
            "{} {} matches no spec operation",
            req.method,
            path
        );
        reached.insert(matched[0].clone());
    }
    let all: BTreeSet<String> = ops.into_iter().map(|(id, _, _)| id).collect();
    let missing: Vec<_> = all.difference(&reached).collect();
    assert!(
        missing.is_empty(),
        "spec operations core never calls: {missing:?}"
    );
}
