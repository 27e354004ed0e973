//! Raw HTTP/1.1 on loopback, for fake vendors that misbehave on purpose: a test's server that
//! echoes what a client sent, rewrites a simulator's answer, or refuses everything, reads each
//! request with [`read_request`] and answers with [`respond`] (one request per connection,
//! `connection: close`).

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// One request as it arrived: its head (request line and headers) and its body. Its `Debug`
/// shows the method, the path and the body's length only: the head holds credentials and the
/// body passwords.
#[derive(Clone)]
pub struct RawRequest {
    /// The request line and the headers, without the blank line.
    pub head: String,
    /// The body (`content-length` bytes, or what arrived before the client closed).
    pub body: Vec<u8>,
}

impl std::fmt::Debug for RawRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawRequest")
            .field("method", &self.method())
            .field("path", &self.path())
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl RawRequest {
    /// The method (`GET`, `POST`, …).
    pub fn method(&self) -> &str {
        self.request_line().split(' ').next().unwrap_or_default()
    }

    /// The path and query, as sent.
    pub fn path(&self) -> &str {
        self.request_line().split(' ').nth(1).unwrap_or("/")
    }

    fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or_default()
    }

    /// Each header's name and value, trimmed, in order.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.head
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim(), value.trim()))
    }

    /// The value of the first header named `name` (in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }
}

/// Reads one request from `stream`; `None` when the client closed before its head was whole.
pub async fn read_request(stream: &mut TcpStream) -> Option<RawRequest> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let body_start = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..body_start - 4]).into_owned();
    let mut request = RawRequest {
        head,
        body: Vec::new(),
    };
    let length = request
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    while buffer.len() < body_start + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
    request.body = buffer[body_start..buffer.len().min(body_start + length)].to_vec();
    Some(request)
}

/// Answers `status` with `headers` and `body` (its `content-length` and `connection: close`
/// added), then closes the connection. Errors are ignored: the client may be gone.
pub async fn respond(stream: &mut TcpStream, status: u16, headers: &[(&str, &str)], body: &[u8]) {
    let mut response = format!("HTTP/1.1 {status} Fake\r\n");
    for (name, value) in headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = response.into_bytes();
    bytes.extend_from_slice(body);
    let _ = stream.write_all(&bytes).await;
    let _ = stream.shutdown().await;
}

/// Every string value in `value`, depth first: what a request carried, for a fake vendor that
/// echoes it.
pub fn json_strings(value: &serde_json::Value) -> Vec<String> {
    fn walk(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            serde_json::Value::Object(map) => map.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut out);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_is_read_whole_and_answered() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let request = read_request(&mut stream).await.unwrap();
            respond(
                &mut stream,
                418,
                &[("content-type", "text/plain")],
                b"teapot",
            )
            .await;
            request
        });
        let mut client = TcpStream::connect(address).await.unwrap();
        client
            .write_all(
                b"POST /a/b?c=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-Token: t1\r\n\r\n",
            )
            .await
            .unwrap();
        client.write_all(b"hello").await.unwrap();
        let mut answer = String::new();
        client.read_to_string(&mut answer).await.unwrap();
        let request = server.await.unwrap();
        assert_eq!((request.method(), request.path()), ("POST", "/a/b?c=1"));
        assert_eq!(request.header("x-token"), Some("t1"));
        assert_eq!(request.body, b"hello");
        let shown = format!("{request:?}");
        assert!(!shown.contains("t1") && !shown.contains("hello"), "{shown}");
        assert!(answer.starts_with("HTTP/1.1 418 "), "{answer}");
        assert!(answer.contains("content-length: 6\r\n") && answer.ends_with("\r\n\r\nteapot"));
        let json = serde_json::json!({"a": ["x", {"b": "y", "n": 1}], "c": "z"});
        assert_eq!(json_strings(&json), ["x", "y", "z"]);
    }
}
