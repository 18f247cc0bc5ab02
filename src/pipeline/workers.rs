//! Independent pieces of work (sources, the synthesis of each language) spread over several
//! model clients, one worker thread each (`--parallel` with a serving fleet). Results come
//! back in input order, so a parallel run writes what a sequential one writes.

use super::cache::CallCache;
use super::{Observer, Pipeline};
use crate::error::Result;
use crate::model::Generate;
use crate::prompt::Prompts;
use crate::report::records::CallRecord;
use crate::settings::Settings;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};

/// What every worker's pipeline is built from.
pub(crate) struct Shared<'a> {
    pub prompts: &'a Prompts,
    pub settings: Settings,
    pub cache: Option<CallCache>,
    pub plans: BTreeMap<String, Vec<(usize, usize)>>,
    pub observer: Mutex<&'a mut dyn Observer>,
}

/// A worker's view of the run's one observer.
struct Relay<'o, 'a>(&'o Mutex<&'a mut dyn Observer>);

impl Relay<'_, '_> {
    fn with(&self, f: impl FnOnce(&mut dyn Observer)) {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut **guard)
    }
}

impl Observer for Relay<'_, '_> {
    fn call_started(&mut self, label: &str, prompt_tokens: usize, max_new: usize) {
        self.with(|o| o.call_started(label, prompt_tokens, max_new))
    }
    fn token(&mut self, generated: usize) {
        self.with(|o| o.token(generated))
    }
    fn call_finished(&mut self, label: &str, record: &CallRecord) {
        self.with(|o| o.call_finished(label, record))
    }
    fn call_failed(&mut self, label: &str) {
        self.with(|o| o.call_failed(label))
    }
}

/// Threads for the workers: the pipeline's text handling recurses a little deeper than a
/// spawned thread's default stack is meant for.
const STACK: usize = 16 << 20;

type Outcome<R> = (usize, R, Vec<CallRecord>);

/// Runs `work` on every item, on as many workers as there are models; `done` receives each
/// result with the calls it made, on the calling thread and in item order. An error from
/// `done` stops the workers after the items they are on.
pub(crate) fn run_all<T: Sync, R: Send>(
    models: &mut [&mut dyn Generate],
    shared: &Shared,
    items: &[T],
    work: impl Fn(&mut Pipeline, &T) -> R + Sync,
    mut done: impl FnMut(usize, R, Vec<CallRecord>) -> Result<()>,
) -> Result<()> {
    if let [model] = models {
        // One model: no thread, the pipeline runs here.
        let mut relay = Relay(&shared.observer);
        let mut pipe = pipeline(&mut **model, shared, &mut relay);
        for (i, item) in items.iter().enumerate() {
            let r = work(&mut pipe, item);
            done(i, r, std::mem::take(&mut pipe.calls))?;
        }
        return Ok(());
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<Outcome<R>>();
    std::thread::scope(|scope| {
        for model in models.iter_mut() {
            let (tx, next, stop, work) = (tx.clone(), &next, &stop, &work);
            let model: &mut dyn Generate = &mut **model;
            std::thread::Builder::new()
                .stack_size(STACK)
                .spawn_scoped(scope, move || {
                    let mut relay = Relay(&shared.observer);
                    let mut pipe = pipeline(model, shared, &mut relay);
                    while !stop.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        let r = work(&mut pipe, item);
                        if tx.send((i, r, std::mem::take(&mut pipe.calls))).is_err() {
                            break;
                        }
                    }
                })
                .expect("spawning a worker thread");
        }
        drop(tx);
        deliver_in_order(rx, &stop, &mut done)
    })
}

/// Hands results to `done` in item order, holding back those that finished early.
fn deliver_in_order<R>(
    rx: mpsc::Receiver<Outcome<R>>,
    stop: &AtomicBool,
    done: &mut impl FnMut(usize, R, Vec<CallRecord>) -> Result<()>,
) -> Result<()> {
    let mut waiting: HashMap<usize, (R, Vec<CallRecord>)> = HashMap::new();
    let mut expected = 0;
    let mut failed = None;
    for (i, r, calls) in rx {
        waiting.insert(i, (r, calls));
        while let Some((r, calls)) = waiting.remove(&expected) {
            if failed.is_none() {
                if let Err(e) = done(expected, r, calls) {
                    stop.store(true, Ordering::Relaxed);
                    failed = Some(e);
                }
            }
            expected += 1;
        }
    }
    failed.map_or(Ok(()), Err)
}

fn pipeline<'a>(
    model: &'a mut dyn Generate,
    shared: &'a Shared,
    observer: &'a mut dyn Observer,
) -> Pipeline<'a> {
    let mut pipe = Pipeline::new(
        model,
        shared.prompts,
        shared.settings.clone(),
        shared.cache.clone(),
        observer,
    );
    pipe.set_plans(shared.plans.clone());
    pipe
}
