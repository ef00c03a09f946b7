//! `/openapi/v2` for the kubectl minors that still read it (1.27 and 1.28 decide from it
//! whether the server validates fields): the paths and operations of the v3 documents,
//! encoded as the protobuf `openapi.v2.Document` (gnostic's OpenAPIv2.proto) that
//! kubectl decodes. Definitions are left out: a client that finds none computes apply
//! patches from its own compiled-in types.

use serde_json::Value;

use super::discovery::SERVER_VERSION;
use super::openapi::document;
use crate::api::kinds::KINDS;

/// The media type the document is sent with: the one clients ask for
/// (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`) is not a valid
/// `Content-Type` (Go's parser refuses the `@`), so, like the apiserver, kubesim answers
/// with plain bytes.
pub const CONTENT_TYPE: &str = "application/octet-stream";

/// A protobuf message being written.
#[derive(Default)]
struct Message(Vec<u8>);

impl Message {
    fn varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    fn bytes(&mut self, field: u32, bytes: &[u8]) {
        self.varint(u64::from(field) << 3 | 2);
        self.varint(bytes.len() as u64);
        self.0.extend_from_slice(bytes);
    }

    fn string(&mut self, field: u32, text: &str) -> &mut Self {
        self.bytes(field, text.as_bytes());
        self
    }

    fn message(&mut self, field: u32, message: Message) -> &mut Self {
        self.bytes(field, &message.0);
        self
    }

    fn boolean(&mut self, field: u32) -> &mut Self {
        self.varint(u64::from(field) << 3);
        self.varint(1);
        self
    }
}

/// `NamedAny {name, value: Any {yaml}}`: a vendor extension.
fn extension(name: &str, yaml: &str) -> Message {
    let mut any = Message::default();
    any.string(2, yaml);
    let mut named = Message::default();
    named.string(1, name).message(2, any);
    named
}

/// A query parameter: `ParametersItem {parameter: Parameter {non_body_parameter:
/// NonBodyParameter {query_parameter_sub_schema: {in, name, type, unique_items}}}}`.
fn query_parameter(parameter: &Value) -> Message {
    let mut query = Message::default();
    query.string(2, "query").string(4, parameter["name"].as_str().unwrap_or(""));
    query.string(6, parameter["schema"]["type"].as_str().unwrap_or("string")).boolean(20);
    let mut non_body = Message::default();
    non_body.message(3, query);
    let mut param = Message::default();
    param.message(2, non_body);
    let mut item = Message::default();
    item.message(1, param);
    item
}

/// An `Operation` from its v3 form.
fn operation(op: &Value) -> Message {
    let mut message = Message::default();
    message.string(5, op["operationId"].as_str().unwrap_or(""));
    for parameter in op["parameters"].as_array().into_iter().flatten() {
        message.message(8, query_parameter(parameter));
    }
    let mut response = Message::default();
    response.string(1, "OK");
    let mut value = Message::default();
    value.message(1, response);
    let mut named = Message::default();
    named.string(1, "200").message(2, value);
    let mut responses = Message::default();
    responses.message(1, named);
    message.message(9, responses);
    if let Some(action) = op["x-kubernetes-action"].as_str() {
        message.message(13, extension("x-kubernetes-action", &format!("{action}\n")));
    }
    let gvk = &op["x-kubernetes-group-version-kind"];
    let yaml = format!(
        "group: \"{}\"\nkind: {}\nversion: {}\n",
        gvk["group"].as_str().unwrap_or(""),
        gvk["kind"].as_str().unwrap_or(""),
        gvk["version"].as_str().unwrap_or("")
    );
    message.message(13, extension("x-kubernetes-group-version-kind", &yaml));
    message
}

/// The whole document, every group version's paths together.
pub fn document_v2() -> Vec<u8> {
    let mut paths = Message::default();
    let mut versions: Vec<&str> = KINDS.iter().map(|i| i.api_version).collect();
    versions.dedup();
    for api_version in versions {
        let doc = document(api_version);
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            let mut path_item = Message::default();
            // PathItem's fields: get 2, put 3, post 4, delete 5, patch 8.
            for (verb, field) in [("get", 2), ("put", 3), ("post", 4), ("delete", 5), ("patch", 8)] {
                if let Some(op) = item.get(verb) {
                    path_item.message(field, operation(op));
                }
            }
            let mut named = Message::default();
            named.string(1, path).message(2, path_item);
            paths.message(2, named);
        }
    }
    let (major, minor) = SERVER_VERSION;
    let mut info = Message::default();
    info.string(1, "Kubernetes (kubesim)").string(2, &format!("v{major}.{minor}.0"));
    let mut root = Message::default();
    root.string(1, "2.0").message(2, info).message(8, paths);
    root.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_starts_as_a_swagger_2_document_and_names_field_validation() {
        let bytes = document_v2();
        // Field 1 (swagger), length-delimited, "2.0".
        assert_eq!(&bytes[..5], &[0x0a, 3, b'2', b'.', b'0']);
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/apis/apps/v1/namespaces/{namespace}/deployments/{name}"));
        assert!(text.contains("fieldValidation"));
        assert!(text.contains("group: \"apps\"\nkind: Deployment\nversion: v1\n"));
    }
}
