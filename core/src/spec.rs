//! The API's nouns as the spec defines them: resources, event types, error codes and
//! operations. A test checks these tables against `spec/openapi.yaml`.

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
}

/// The five resources.
pub const RESOURCES: [ResourceInfo; 5] = [
    ResourceInfo {
        path: "companies",
        name: "companies",
        singular: "company",
        id_prefix: "cmp_",
    },
    ResourceInfo {
        path: "customers",
        name: "customers",
        singular: "customer",
        id_prefix: "cus_",
    },
    ResourceInfo {
        path: "vendors",
        name: "vendors",
        singular: "vendor",
        id_prefix: "ven_",
    },
    ResourceInfo {
        path: "inventory-items",
        name: "inventory_items",
        singular: "inventory_item",
        id_prefix: "itm_",
    },
    ResourceInfo {
        path: "sales-orders",
        name: "sales_orders",
        singular: "sales_order",
        id_prefix: "so_",
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
