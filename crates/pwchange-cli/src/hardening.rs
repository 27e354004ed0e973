//! Process hardening: the passwords in this process's memory must not end up in a core dump;
//! and who the process runs as, for the files it trusts.

/// Marks the process not dumpable (Linux `prctl(PR_SET_DUMPABLE, 0)`: other processes of the
/// same user cannot attach to it or read its memory) and sets its core size limit to 0 (which
/// also holds where `fs.suid_dumpable` would dump anyway). Elsewhere a no-op.
pub fn disable_core_dumps() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{
            DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit,
        };
        if let Err(e) = set_dumpable_behavior(DumpableBehavior::NotDumpable) {
            tracing::warn!(error = %e, "could not mark the process not dumpable");
        }
        let none = Rlimit {
            current: Some(0),
            maximum: Some(0),
        };
        if let Err(e) = setrlimit(Resource::Core, none) {
            tracing::warn!(error = %e, "could not set the core size limit to 0");
        }
    }
}

/// The process's effective user, which the files it trusts must belong to (a config file, the
/// journal); `None` where there is none (other platforms than Unix).
pub fn effective_uid() -> Option<u32> {
    #[cfg(unix)]
    {
        Some(rustix::process::geteuid().as_raw())
    }
    #[cfg(not(unix))]
    None
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
        assert_eq!(
            rustix::process::getrlimit(rustix::process::Resource::Core).current,
            Some(0)
        );
    }
}
