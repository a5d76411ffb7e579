//! Bulk import from CSV, on top of lenient batches: each row becomes a `POST /{resource}`;
//! rows go out in chunks, each chunk one batch request; every failed row is reported with its
//! number; a checkpoint lets the caller resume after an interruption.
//!
//! ```no_run
//! # async fn run(client: erp_api_client::Client) -> erp_api_client::Result<()> {
//! let csv = "sku,name,quantity\nA-1,Bolt,10\nA-2,Nut,20\n";
//! let result = client
//!     .batch()
//!     .from_csv("inventory-items", csv)
//!     .batch_size(500)
//!     .idempotency_key("stock-2026-11-23")
//!     .on_progress(|p| println!("{} of {} rows", p.rows_done, p.rows_total))
//!     .execute()
//!     .await?;
//! for e in &result.errors {
//!     println!("row {}: {} {}", e.row, e.error.code, e.error.message);
//! }
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Number, Value};

use crate::batch::{Batch, ItemError, MaybeSendSync};
use crate::error::{Error, Result};
use crate::request::{Method, RequestOptions};
use crate::spec::{resource_info, FieldKind, ResourceInfo};

/// Largest chunk of rows sent as one batch request.
pub const MAX_IMPORT_BATCH: usize = 1000;

/// A row that was not imported, with why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    /// The row's number among the data rows (1 is the first row after the header).
    pub row: usize,
    /// Why: a local check (`INVALID_VALUE`, `MISSING_FIELD`, `MALFORMED_ROW`) or the API's
    /// error for that row (`VALIDATION_FAILED`, `CONFLICT`, ...).
    pub error: ItemError,
}

/// Progress of an import, given to the progress callback after each chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportProgress {
    /// Data rows in the file.
    pub rows_total: usize,
    /// Rows handled so far (including those skipped by `resume_from`): also the checkpoint.
    pub rows_done: usize,
    /// Rows created so far (in this run).
    pub imported: usize,
    /// Rows that failed so far (in this run).
    pub failed: usize,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportResult {
    /// Data rows in the file.
    pub rows_total: usize,
    /// Rows skipped because they were before the resume point.
    pub rows_skipped: usize,
    /// Rows created (0 in a validation-only run).
    pub imported: usize,
    /// Rows that failed a local check or the API.
    pub failed: usize,
    /// Every failed row, in row order.
    pub errors: Vec<RowError>,
    /// Rows handled: pass it to `resume_from` to continue after an interruption.
    pub checkpoint: usize,
    /// Whether this was a validation-only run (nothing sent).
    pub validate_only: bool,
}

/// A data row's number and its create body (or why it cannot be one).
type ParsedRow = (usize, std::result::Result<Value, ItemError>);

#[cfg(not(target_arch = "wasm32"))]
type ImportProgressFn = Arc<dyn Fn(ImportProgress) + Send + Sync>;
#[cfg(target_arch = "wasm32")]
type ImportProgressFn = Arc<dyn Fn(ImportProgress)>;

/// A CSV import, from [`Batch::from_csv`].
#[derive(Clone)]
pub struct CsvImport {
    batch: Batch,
    resource: std::result::Result<&'static ResourceInfo, String>,
    text: String,
    validate_only: bool,
    batch_size: usize,
    resume_from: usize,
    idempotency_key: Option<String>,
    progress: Option<ImportProgressFn>,
}

impl fmt::Debug for CsvImport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsvImport")
            .field("bytes", &self.text.len())
            .field("validate_only", &self.validate_only)
            .field("batch_size", &self.batch_size)
            .field("resume_from", &self.resume_from)
            .finish_non_exhaustive()
    }
}

impl Batch {
    /// Imports CSV rows as records of `resource` (its path or snake-case name). The header
    /// row names the fields; empty cells are left out; cells of number fields become numbers
    /// and of array fields (`lines`) are JSON. Rows are sent as lenient batches (each row
    /// stands alone) of `batch_size` rows.
    /// It starts a batch of its own: calling it after `add()` is an error (reported by
    /// `execute`), since those operations would otherwise ride along with every chunk.
    pub fn from_csv(self, resource: &str, csv_text: impl Into<String>) -> CsvImport {
        let resource = if self.operations().is_empty() {
            resource_info(resource).ok_or_else(|| format!("unknown resource '{resource}'"))
        } else {
            Err(
                "from_csv starts a batch of its own: call it on client.batch() without add()"
                    .into(),
            )
        };
        CsvImport {
            batch: self.lenient(),
            resource,
            text: csv_text.into(),
            validate_only: false,
            batch_size: 500,
            resume_from: 0,
            idempotency_key: None,
            progress: None,
        }
    }
}

impl CsvImport {
    /// Only parse and check the rows locally; send nothing.
    pub fn validate_only(mut self, yes: bool) -> Self {
        self.validate_only = yes;
        self
    }

    /// Rows per batch request (1 to 1000, default 500).
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n;
        self
    }

    /// Skips the first `rows` data rows (a checkpoint from an earlier run).
    pub fn resume_from(mut self, rows: usize) -> Self {
        self.resume_from = rows;
        self
    }

    /// A key for the whole import: each chunk is sent with `<key>:<first row>`, so re-running
    /// an interrupted import replays the chunks that already went through instead of creating
    /// their rows twice.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Per-request options for the batch calls.
    pub fn options(mut self, options: &RequestOptions) -> Self {
        self.batch = self.batch.options(options);
        self
    }

    /// Called after each chunk with the progress so far (`rows_done` is the checkpoint).
    pub fn on_progress(mut self, f: impl Fn(ImportProgress) + MaybeSendSync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Parses the rows (each as a create body, or the reason it cannot be one).
    fn parse(&self) -> Result<Vec<ParsedRow>> {
        let resource = self.resource.clone().map_err(Error::invalid)?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(self.text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| Error::invalid(format!("the CSV header cannot be read: {e}")))?
            .iter()
            .map(str::to_owned)
            .collect();
        if headers.iter().all(String::is_empty) {
            return Err(Error::invalid("the CSV has no header row"));
        }
        let mut kinds = Vec::with_capacity(headers.len());
        for h in &headers {
            match resource.fields.iter().find(|(n, _)| n == h) {
                Some((_, k)) => kinds.push(*k),
                None => {
                    let known: Vec<&str> = resource.fields.iter().map(|(n, _)| *n).collect();
                    return Err(Error::invalid(format!(
                        "unknown column '{h}' for {}: expected some of {}",
                        resource.path,
                        known.join(", ")
                    )));
                }
            }
        }
        for req in resource.required {
            if !headers.iter().any(|h| h == req) {
                return Err(Error::invalid(format!(
                    "the CSV needs a '{req}' column for {}",
                    resource.path
                )));
            }
        }
        let mut rows = Vec::new();
        for (i, rec) in reader.records().enumerate() {
            let row = i + 1;
            let parsed = match rec {
                Err(e) => Err(item("MALFORMED_ROW", format!("row cannot be read: {e}"))),
                Ok(rec) if rec.len() != headers.len() => Err(item(
                    "MALFORMED_ROW",
                    format!("{} cells where the header has {}", rec.len(), headers.len()),
                )),
                Ok(rec) => row_body(resource, &headers, &kinds, &rec),
            };
            rows.push((row, parsed));
        }
        Ok(rows)
    }

    /// Runs the import (or, with `validate_only`, only the local checks).
    pub async fn execute(&self) -> Result<ImportResult> {
        if !(1..=MAX_IMPORT_BATCH).contains(&self.batch_size) {
            return Err(Error::invalid(format!(
                "batch_size must be between 1 and {MAX_IMPORT_BATCH}, got {}",
                self.batch_size
            )));
        }
        let resource = self.resource.clone().map_err(Error::invalid)?;
        let rows = self.parse()?;
        let rows_total = rows.len();
        let mut out = ImportResult {
            rows_total,
            rows_skipped: self.resume_from.min(rows_total),
            imported: 0,
            failed: 0,
            errors: Vec::new(),
            checkpoint: self.resume_from.min(rows_total),
            validate_only: self.validate_only,
        };
        let rows: Vec<_> = rows
            .into_iter()
            .filter(|(row, _)| *row > self.resume_from)
            .collect();
        if self.validate_only {
            out.errors = rows
                .into_iter()
                .filter_map(|(row, parsed)| parsed.err().map(|error| RowError { row, error }))
                .collect();
            out.failed = out.errors.len();
            out.checkpoint = rows_total;
            return Ok(out);
        }
        let path = format!("/{}", resource.path);
        // Chunks of consecutive rows: the checkpoint after a chunk is its last row, and a
        // resumed run (from a checkpoint) cuts the same chunks, so their keys match.
        for chunk in rows.chunks(self.batch_size) {
            let mut sent: Vec<usize> = Vec::with_capacity(chunk.len());
            let mut b = self.batch.clone();
            for (row, parsed) in chunk {
                match parsed {
                    Ok(body) => {
                        b = b.add(Method::Post, path.clone(), body);
                        sent.push(*row);
                    }
                    Err(error) => out.errors.push(RowError {
                        row: *row,
                        error: error.clone(),
                    }),
                }
            }
            if !sent.is_empty() {
                if let Some(k) = &self.idempotency_key {
                    b = b.idempotency_key(format!("{k}:{}", chunk[0].0));
                }
                let r = b.execute().await?;
                for item in r.results {
                    if item.success {
                        out.imported += 1;
                    } else if let Some(row) = sent.get(item.index) {
                        out.errors.push(RowError {
                            row: *row,
                            error: item.error.unwrap_or_else(|| {
                                item_code(item.status, "the API refused the row")
                            }),
                        });
                    }
                }
            }
            out.checkpoint = chunk[chunk.len() - 1].0;
            out.failed = out.errors.len();
            if let Some(f) = &self.progress {
                f(ImportProgress {
                    rows_total,
                    rows_done: out.checkpoint,
                    imported: out.imported,
                    failed: out.failed,
                });
            }
        }
        out.errors.sort_by_key(|e| e.row);
        out.failed = out.errors.len();
        out.checkpoint = rows_total;
        Ok(out)
    }
}

fn item(code: &str, message: String) -> ItemError {
    ItemError {
        code: code.to_owned(),
        message,
        details: None,
    }
}

fn item_code(status: u16, message: &str) -> ItemError {
    item(crate::error::default_code(status), message.to_owned())
}

fn row_body(
    resource: &ResourceInfo,
    headers: &[String],
    kinds: &[FieldKind],
    rec: &csv::StringRecord,
) -> std::result::Result<Value, ItemError> {
    let mut m = Map::new();
    for ((name, kind), cell) in headers.iter().zip(kinds).zip(rec.iter()) {
        if cell.is_empty() {
            continue;
        }
        let bad = |what: &str| {
            item(
                "INVALID_VALUE",
                format!("column '{name}': '{cell}' is not {what}"),
            )
        };
        let v = match kind {
            FieldKind::Text => Value::String(cell.to_owned()),
            FieldKind::Integer => Value::Number(
                cell.parse::<i64>()
                    .map_err(|_| bad("a whole number"))?
                    .into(),
            ),
            FieldKind::Number => {
                let n: f64 = cell.parse().map_err(|_| bad("a number"))?;
                Value::Number(Number::from_f64(n).ok_or_else(|| bad("a finite number"))?)
            }
            FieldKind::Json => serde_json::from_str(cell).map_err(|_| bad("JSON"))?,
        };
        m.insert(name.clone(), v);
    }
    for req in resource.required {
        if !m.contains_key(*req) {
            return Err(item("MISSING_FIELD", format!("'{req}' is empty")));
        }
    }
    Ok(Value::Object(m))
}

#[cfg(test)]
mod tests {
    use crate::Client;

    fn client() -> Client {
        Client::builder("http://127.0.0.1:9")
            .api_key("k")
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn validate_only_types_cells_and_reports_rows() {
        let csv = "sku,name,quantity,unit_price\n\
                   A-1,Bolt,10,0.5\n\
                   A-2,Nut,ten,1\n\
                   ,Washer,1,1\n\
                   A-4,Screw,3\n\
                   A-5,\"Nail, small\",7,2e-1\n";
        let imp = client()
            .batch()
            .from_csv("inventory_items", csv)
            .validate_only(true);
        let rows = imp.parse().unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(
            rows[0].1.as_ref().unwrap(),
            &serde_json::json!({"sku": "A-1", "name": "Bolt", "quantity": 10, "unit_price": 0.5})
        );
        assert_eq!(rows[4].1.as_ref().unwrap()["name"], "Nail, small");
        let r = imp.execute().await.unwrap();
        assert_eq!((r.rows_total, r.imported, r.failed), (5, 0, 3));
        let codes: Vec<(usize, &str)> = r
            .errors
            .iter()
            .map(|e| (e.row, e.error.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            [
                (2, "INVALID_VALUE"),
                (3, "MISSING_FIELD"),
                (4, "MALFORMED_ROW")
            ]
        );
        assert!(r.errors[0].error.message.contains("quantity"));
    }

    #[tokio::test]
    async fn bad_headers_and_settings_are_errors() {
        let c = client();
        for (res, csv, needle) in [
            ("invoices", "a\n1\n", "unknown resource"),
            (
                "companies",
                "name,colour\nx,red\n",
                "unknown column 'colour'",
            ),
            ("inventory-items", "name\nx\n", "'sku' column"),
            ("companies", "", "no header"),
        ] {
            let e = c.batch().from_csv(res, csv).execute().await.unwrap_err();
            assert_eq!(e.kind(), "invalid_request");
            assert!(e.message().contains(needle), "{e}");
        }
        let e = c
            .batch()
            .add(crate::Method::Get, "/companies", ())
            .from_csv("companies", "name\nx\n")
            .execute()
            .await
            .unwrap_err();
        assert!(e.message().contains("without add()"), "{e}");
        let e = c
            .batch()
            .from_csv("companies", "name\nx\n")
            .batch_size(1001)
            .execute()
            .await
            .unwrap_err();
        assert!(e.message().contains("batch_size"));
    }
}
