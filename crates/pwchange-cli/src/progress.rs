//! The rotation's progress bar on a terminal.
//!
//! The bar is drawn a few columns short of the terminal's width. indicatif pads each line to
//! the full width and leaves the cursor in the last column; the `^C` a terminal echoes on
//! Ctrl-C then wraps to a new line, indicatif clears that one instead of its own, and the bar
//! stays on the screen frozen at the count it had, above a summary that says otherwise. With
//! room left for the echo, the `^C` lands on the bar's line and goes with it.

use std::io;

/// Columns left free at the end of the bar's line: `^C` and one more.
const ECHO_ROOM: u16 = 3;

/// A bar of `total` steps on standard error.
pub fn bar(total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::term_like_with_hz(
            Box::new(EchoRoom(console::Term::stderr())),
            20,
        ),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {per_sec} ETA {eta} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Standard error, narrower by [`ECHO_ROOM`] columns.
#[derive(Debug)]
struct EchoRoom(console::Term);

impl indicatif::TermLike for EchoRoom {
    fn width(&self) -> u16 {
        self.0.size().1.saturating_sub(ECHO_ROOM).max(1)
    }

    fn height(&self) -> u16 {
        self.0.size().0
    }

    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_up(n)
    }

    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_down(n)
    }

    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_right(n)
    }

    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_left(n)
    }

    fn write_line(&self, s: &str) -> io::Result<()> {
        self.0.write_line(s)
    }

    fn write_str(&self, s: &str) -> io::Result<()> {
        self.0.write_str(s)
    }

    fn clear_line(&self) -> io::Result<()> {
        self.0.clear_line()
    }

    fn flush(&self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use indicatif::TermLike as _;

    use super::*;

    #[test]
    fn the_bar_leaves_room_for_the_echo() {
        let term = console::Term::stderr();
        let room = EchoRoom(term.clone());
        assert_eq!(room.width(), term.size().1.saturating_sub(ECHO_ROOM).max(1));
        assert!(room.width() < term.size().1);
    }
}
