//! The HTTP status of the last response a generated client received, for callers that need it
//! where progenitor drops it.
//!
//! progenitor reports a documented status whose body is not the documented JSON as
//! `Error::InvalidResponsePayload(bytes, error)`, without the status. A 400 with an HTML body
//! from a proxy then looks like a broken *success*. The clients' post-response hook records
//! every status in a task-local slot; [`capture`] runs a call with such a slot and returns the
//! status with the result.

use std::cell::Cell;

tokio::task_local! {
    static LAST_STATUS: Cell<Option<u16>>;
}

/// Runs `future` and returns its output with the status of the last response received inside
/// it (`None` when no response arrived).
pub async fn capture<F: Future>(future: F) -> (F::Output, Option<u16>) {
    LAST_STATUS
        .scope(Cell::new(None), async move {
            let output = future.await;
            (output, LAST_STATUS.with(Cell::get))
        })
        .await
}

/// Records `status`, when inside [`capture`]; does nothing elsewhere.
pub fn record_status(status: u16) {
    let _ = LAST_STATUS.try_with(|slot| slot.set(Some(status)));
}

/// Logs one exchange at debug level, as `GH_DEBUG=api` does: the method, the path as sent (ids
/// as given; never the query, a header value or a body), the status (or that no answer came)
/// and the duration. The clients' `exec` hook calls it for every request.
pub fn log_exchange(method: &str, path: &str, status: Option<u16>, elapsed: std::time::Duration) {
    let millis = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    match status {
        Some(status) => {
            tracing::debug!(target: "pwchange::http", "{method} {path} -> {status} ({millis} ms)")
        }
        None => {
            tracing::debug!(target: "pwchange::http", "{method} {path} -> no answer ({millis} ms)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_last_status_inside_the_scope_is_returned() {
        let ((), status) = capture(async {
            record_status(200);
            record_status(400);
        })
        .await;
        assert_eq!(status, Some(400));
        let ((), none) = capture(async {}).await;
        assert_eq!(none, None);
        record_status(500); // outside any scope: ignored, no panic
    }
}
