//! JSON text in and out. Native builds use serde_json; wasm32 builds use the runtime's own
//! `JSON.parse` / `JSON.stringify` and walk the resulting JavaScript values directly, which
//! keeps serde_json's number parser and formatter (and their tables) out of the browser
//! bundle. Either way the SDK sees `serde_json::Value`.

use serde_json::Value;

use crate::error::Error;

/// A string field of a JSON object.
pub(crate) fn field_str<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The error for a 2xx answer that is not shaped as the API promises.
pub(crate) fn shape_error(message: &str) -> Error {
    Error::Decode {
        status: 200,
        message: format!("unexpected response shape: {message}"),
        request_id: None,
    }
}

/// Serializes a value to JSON text.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn to_vec(v: &Value) -> Result<Vec<u8>, String> {
    serde_json::to_vec(v).map_err(|e| e.to_string())
}

/// Parses JSON text.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn from_slice(b: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(b).map_err(|e| e.to_string())
}

#[cfg(target_arch = "wasm32")]
pub use self::js::{from_js, to_js};

/// Serializes a value to JSON text.
#[cfg(target_arch = "wasm32")]
pub(crate) fn to_vec(v: &Value) -> Result<Vec<u8>, String> {
    let s =
        js_sys::JSON::stringify(&to_js(v)).map_err(|_| "value cannot be serialized".to_owned())?;
    Ok(String::from(s).into_bytes())
}

/// Parses JSON text.
#[cfg(target_arch = "wasm32")]
pub(crate) fn from_slice(b: &[u8]) -> Result<Value, String> {
    let s = std::str::from_utf8(b).map_err(|_| "invalid UTF-8".to_owned())?;
    let js = js_sys::JSON::parse(s).map_err(|_| "invalid JSON".to_owned())?;
    from_js(&js)
}

#[cfg(target_arch = "wasm32")]
mod js {
    use js_sys::{Array, Object, Reflect};
    use serde_json::{Map, Number, Value};
    use wasm_bindgen::{JsCast, JsValue};

    /// Converts a JSON value to the equivalent JavaScript value (objects are plain objects).
    pub fn to_js(v: &Value) -> JsValue {
        match v {
            Value::Null => JsValue::NULL,
            Value::Bool(b) => JsValue::from_bool(*b),
            Value::Number(n) => JsValue::from_f64(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => JsValue::from_str(s),
            Value::Array(a) => a.iter().map(to_js).collect::<Array>().into(),
            Value::Object(m) => {
                let o = Object::new();
                for (k, v) in m {
                    let _ = Reflect::set(&o, &JsValue::from_str(k), &to_js(v));
                }
                o.into()
            }
        }
    }

    /// Converts a JSON-compatible JavaScript value (`undefined` becomes `null`; functions,
    /// symbols and bigints are refused).
    pub fn from_js(v: &JsValue) -> Result<Value, String> {
        if v.is_null() || v.is_undefined() {
            return Ok(Value::Null);
        }
        if let Some(b) = v.as_bool() {
            return Ok(Value::Bool(b));
        }
        if let Some(f) = v.as_f64() {
            if !f.is_finite() {
                return Err("numbers must be finite".to_owned());
            }
            let safe = 9_007_199_254_740_991.0;
            return Ok(if f.fract() == 0.0 && f.abs() <= safe {
                Value::Number(Number::from(f as i64))
            } else {
                Number::from_f64(f)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            });
        }
        if let Some(s) = v.as_string() {
            return Ok(Value::String(s));
        }
        if Array::is_array(v) {
            let a: &Array = v.unchecked_ref();
            return a
                .iter()
                .map(|x| from_js(&x))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array);
        }
        if v.is_object() && !v.is_function() {
            // Objects with a toJSON (Date, ...) become what JSON.stringify makes of them.
            if let Ok(f) = Reflect::get(v, &JsValue::from_str("toJSON")) {
                if f.is_function() {
                    let f: &js_sys::Function = f.unchecked_ref();
                    let r = f.call0(v).map_err(|_| "toJSON failed".to_owned())?;
                    return from_js(&r);
                }
            }
            let mut m = Map::new();
            for entry in Object::entries(v.unchecked_ref()).iter() {
                let e: &Array = entry.unchecked_ref();
                let k = e.get(0).as_string().unwrap_or_default();
                m.insert(k, from_js(&e.get(1))?);
            }
            return Ok(Value::Object(m));
        }
        Err("value is not JSON (functions, symbols and bigints are not allowed)".to_owned())
    }
}
