//! Process hardening: the passwords in this process's memory must not end up in a core dump.

/// Marks the process not dumpable (Linux `prctl(PR_SET_DUMPABLE, 0)`): no core dump, and other
/// processes of the same user cannot attach to it or read its memory. Elsewhere a no-op.
pub fn disable_core_dumps() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{DumpableBehavior, set_dumpable_behavior};
        if let Err(e) = set_dumpable_behavior(DumpableBehavior::NotDumpable) {
            tracing::warn!(error = %e, "could not disable core dumps");
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn the_process_is_not_dumpable_afterwards() {
        super::disable_core_dumps();
        assert_eq!(
            rustix::process::dumpable_behavior().unwrap(),
            rustix::process::DumpableBehavior::NotDumpable
        );
    }
}
