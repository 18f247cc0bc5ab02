//! Progress on stderr: a live line per model call on a terminal (indicatif), one plain line
//! per finished call otherwise, nothing with `--quiet`.

use bisum::pipeline::Observer;
use bisum::report::records::CallRecord;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::{Duration, Instant};

pub struct Progress {
    quiet: bool,
    bar: Option<ProgressBar>,
    label: String,
    started: Instant,
    max_new: usize,
    /// Calls started and not yet finished (several with --parallel).
    in_flight: usize,
}

impl Progress {
    pub fn new(quiet: bool) -> Self {
        Self {
            quiet,
            bar: None,
            label: String::new(),
            started: Instant::now(),
            max_new: 0,
            in_flight: 0,
        }
    }

    /// A line for the user, kept above any live bar.
    pub fn say(&self, line: &str) {
        if self.quiet {
            return;
        }
        match &self.bar {
            Some(b) if !b.is_hidden() => b.println(line),
            _ => eprintln!("{line}"),
        }
    }
}

impl Progress {
    /// A call is over: the bar goes with the last one in flight.
    fn one_less(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
        if self.in_flight == 0 {
            if let Some(b) = self.bar.take() {
                b.finish_and_clear();
            }
        } else if let Some(b) = &self.bar {
            b.set_prefix(format!("{} calls in flight", self.in_flight));
        }
    }
}

impl Observer for Progress {
    fn call_started(&mut self, label: &str, prompt_tokens: usize, max_new: usize) {
        self.in_flight += 1;
        if self.quiet {
            return;
        }
        if let Some(b) = &self.bar {
            // Several calls at once: one line for them all.
            b.set_prefix(format!(
                "{} calls in flight, latest: {label}",
                self.in_flight
            ));
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(max_new as u64), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(label.to_string());
        bar.set_message(format!("reading {prompt_tokens} prompt tokens…"));
        bar.enable_steady_tick(Duration::from_millis(200));
        self.bar = Some(bar);
        self.label = label.to_string();
        self.started = Instant::now();
        self.max_new = max_new;
    }

    fn token(&mut self, generated: usize) {
        if let Some(b) = &self.bar {
            if generated == 1 {
                self.started = Instant::now();
            }
            let rate = (generated.saturating_sub(1)) as f64
                / self.started.elapsed().as_secs_f64().max(1e-3);
            b.set_message(format!(
                "{generated}/{} tokens, {rate:.1} tok/s",
                self.max_new
            ));
        }
    }

    fn call_failed(&mut self, _label: &str) {
        self.one_less();
    }

    fn call_finished(&mut self, label: &str, r: &CallRecord) {
        if !r.cached {
            self.one_less();
        }
        let how = if r.cached {
            "cached".to_string()
        } else {
            format!(
                "{:.1} s, prompt {:.1} tok/s, generation {:.1} tok/s",
                r.seconds, r.prompt_tokens_per_second, r.generation_tokens_per_second
            )
        };
        self.say(&format!(
            "  {label}: {} prompt + {} generated tokens, {how}",
            r.prompt_tokens, r.generated_tokens
        ));
    }
}
