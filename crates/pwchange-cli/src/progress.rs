//! The rotation's progress bar on a terminal.
//!
//! The bar is drawn a few columns short of the terminal's width. indicatif pads each line to
//! the full width and leaves the cursor in the last column; the `^C` a terminal echoes on
//! Ctrl-C then wraps to a new line, indicatif clears that one instead of its own, and the bar
//! stays on the screen frozen at the count it had, above a summary that says otherwise. With
//! room left for the echo, the `^C` lands on the bar's line and goes with it. The message is
//! `{wide_msg}`, cut to fit: a line that wrapped would be counted in rows of the narrower width
//! while the terminal wraps at its own.

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
        indicatif::ProgressStyle::with_template(
            "{bar:30} {pos}/{len} {per_sec} ETA {eta} {wide_msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// A terminal (standard error), narrower by [`ECHO_ROOM`] columns.
#[derive(Debug)]
struct EchoRoom<T>(T);

impl<T: indicatif::TermLike> indicatif::TermLike for EchoRoom<T> {
    fn width(&self) -> u16 {
        self.0.width().saturating_sub(ECHO_ROOM).max(1)
    }

    fn height(&self) -> u16 {
        self.0.height()
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
    use std::sync::{Arc, Mutex};

    use indicatif::TermLike as _;

    use super::*;

    /// A terminal `WIDTH` columns wide that keeps what is written on its current line.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<Vec<String>>>);

    const WIDTH: u16 = 60;

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            WIDTH
        }
        fn move_cursor_up(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> io::Result<()> {
            self.write_str(s)?;
            self.0.lock().unwrap().push(String::new());
            Ok(())
        }
        fn write_str(&self, s: &str) -> io::Result<()> {
            let mut lines = self.0.lock().unwrap();
            if lines.is_empty() {
                lines.push(String::new());
            }
            lines.last_mut().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> io::Result<()> {
            self.0.lock().unwrap().push(String::new());
            Ok(())
        }
        fn flush(&self) -> io::Result<()> {
            Ok(())
        }
    }

    /// indicatif pads the bar's line to the width it is given; through `EchoRoom` the line
    /// ends `ECHO_ROOM` columns short of the terminal's, where the `^C` echo then lands.
    #[test]
    fn the_bar_line_stops_short_of_the_last_columns() {
        let screen = Screen::default();
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(100),
            indicatif::ProgressDrawTarget::term_like(Box::new(EchoRoom(screen.clone()))),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}").unwrap(),
        );
        bar.set_message("a message long enough to be cut at the width the bar is given");
        bar.set_position(42);
        bar.tick();
        let lines = screen.0.lock().unwrap().clone();
        let drawn: Vec<&String> = lines
            .iter()
            .filter(|line| line.contains("42/100"))
            .collect();
        assert!(!drawn.is_empty(), "{lines:?}");
        for line in drawn {
            let width = console::measure_text_width(line);
            assert_eq!(width, usize::from(WIDTH - ECHO_ROOM), "{line:?}");
        }
        assert_eq!(EchoRoom(screen).width(), WIDTH - ECHO_ROOM);
    }
}
