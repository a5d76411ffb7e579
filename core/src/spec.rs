//! The API's nouns as the spec defines them: resources, event types, error codes and
//! operations. A test checks these tables against `spec/openapi.yaml`.

/// How a field of a resource is written in JSON (used to type CSV cells on import).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A string (including enums and patterned strings).
    Text,
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// An array or object (a CSV cell holds it as JSON text).
    Json,
}

/// One resource of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceInfo {
    /// Path segment, e.g. `inventory-items`.
    pub path: &'static str,
    /// Snake-case plural, e.g. `inventory_items` (operation ids, accessor names).
    pub name: &'static str,
    /// Snake-case singular, e.g. `inventory_item` (event types).
    pub singular: &'static str,
    /// Id prefix, e.g. `itm_`.
    pub id_prefix: &'static str,
    /// The spec's schema for a create body, e.g. `InventoryItemCreate`.
    pub create_schema: &'static str,
    /// The fields a create body may carry, with their kinds.
    pub fields: &'static [(&'static str, FieldKind)],
    /// The fields a create body must carry.
    pub required: &'static [&'static str],
}

use FieldKind::{Integer, Json, Number, Text};

/// The five resources.
pub const RESOURCES: [ResourceInfo; 5] = [
    ResourceInfo {
        path: "companies",
        name: "companies",
        singular: "company",
        id_prefix: "cmp_",
        create_schema: "CompanyCreate",
        fields: &[
            ("name", Text),
            ("status", Text),
            ("email", Text),
            ("country", Text),
            ("tax_id", Text),
        ],
        required: &["name"],
    },
    ResourceInfo {
        path: "customers",
        name: "customers",
        singular: "customer",
        id_prefix: "cus_",
        create_schema: "CustomerCreate",
        fields: &[
            ("name", Text),
            ("company_id", Text),
            ("email", Text),
            ("customer_account", Text),
            ("status", Text),
            ("credit_limit", Number),
        ],
        required: &["name"],
    },
    ResourceInfo {
        path: "vendors",
        name: "vendors",
        singular: "vendor",
        id_prefix: "ven_",
        create_schema: "VendorCreate",
        fields: &[
            ("name", Text),
            ("email", Text),
            ("status", Text),
            ("payment_terms_days", Integer),
        ],
        required: &["name"],
    },
    ResourceInfo {
        path: "inventory-items",
        name: "inventory_items",
        singular: "inventory_item",
        id_prefix: "itm_",
        create_schema: "InventoryItemCreate",
        fields: &[
            ("sku", Text),
            ("name", Text),
            ("quantity", Integer),
            ("unit_price", Number),
            ("status", Text),
        ],
        required: &["sku", "name"],
    },
    ResourceInfo {
        path: "sales-orders",
        name: "sales_orders",
        singular: "sales_order",
        id_prefix: "so_",
        create_schema: "SalesOrderCreate",
        fields: &[
            ("customer_id", Text),
            ("customer_account", Text),
            ("status", Text),
            ("amount", Number),
            ("currency", Text),
            ("lines", Json),
        ],
        required: &["customer_id"],
    },
];

/// Finds a resource by path (`inventory-items`) or snake-case name (`inventory_items`).
pub fn resource_info(name: &str) -> Option<&'static ResourceInfo> {
    RESOURCES.iter().find(|r| r.path == name || r.name == name)
}

/// Every event type, as `GET /events/types` lists them.
pub const EVENT_TYPES: [&str; 17] = [
    "company.created",
    "company.updated",
    "company.deleted",
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "vendor.created",
    "vendor.updated",
    "vendor.deleted",
    "inventory_item.created",
    "inventory_item.updated",
    "inventory_item.deleted",
    "sales_order.created",
    "sales_order.updated",
    "sales_order.deleted",
    "batch.completed",
    "webhook.test",
];

/// Every error code the API uses (`ROLLED_BACK` and `SKIPPED` only inside batch results).
pub const ERROR_CODES: [&str; 13] = [
    "BAD_REQUEST",
    "UNAUTHORIZED",
    "FORBIDDEN",
    "NOT_FOUND",
    "CONFLICT",
    "PAYLOAD_TOO_LARGE",
    "VALIDATION_FAILED",
    "IDEMPOTENCY_KEY_REUSED",
    "RATE_LIMITED",
    "INTERNAL",
    "UNAVAILABLE",
    "ROLLED_BACK",
    "SKIPPED",
];
