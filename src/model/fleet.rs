//! The serving-fleet backend (`fleet` feature): every model call becomes a `POST
//! BASE/chat/completions` to one of the site's OpenAI-compatible servers (llama-server,
//! vLLM), with the same messages and decoding settings as in-process.
//!
//! Tokens are still counted here, exactly, with the GGUF's own tokenizer and chat template
//! (chunk planning depends on it); the servers only generate. A client is cheap to clone:
//! clones share one connection pool and spread their calls over the endpoints.

use super::endpoint::{Endpoint, Reach};
use super::engine::{loop_cut, CandleModel};
use super::family::Engine;
use super::{
    BackendInfo, EndpointInfo, GenParams, Generate, Generation, Message, ModelInfo, StopReason,
};
use crate::error::{Error, Result};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How to reach the fleet.
#[derive(Clone)]
pub struct FleetOptions {
    pub endpoints: Vec<Endpoint>,
    /// Send sources to public addresses too (`--allow-public-endpoint`).
    pub allow_public: bool,
    /// Sent as `Authorization: Bearer …`; never recorded.
    pub api_key: Option<String>,
    /// Longest a call may take, generation included.
    pub timeout: Duration,
    /// Tries per call before it fails for good, spread over the endpoints.
    pub attempts: u32,
    /// Pause before the first retry; doubled at each one.
    pub backoff: Duration,
    /// Requests in flight at once, over all clients (`--parallel`).
    pub parallel: usize,
}

impl std::fmt::Debug for FleetOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FleetOptions")
            .field("endpoints", &self.endpoints)
            .field("allow_public", &self.allow_public)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A model client for the fleet; clone it once per worker.
#[derive(Clone)]
pub struct Fleet {
    shared: Arc<Shared>,
}

struct Shared {
    /// Tokenizer and chat template only (no weights).
    counter: CandleModel,
    info: ModelInfo,
    live: Vec<Live>,
    agent: ureq::Agent,
    api_key: Option<String>,
    timeout: Duration,
    attempts: u32,
    backoff: Duration,
    next: AtomicUsize,
    slots: Slots,
}

/// A counting semaphore: clients hand work to threads freely, the servers see at most
/// `--parallel` requests at once.
struct Slots {
    free: Mutex<usize>,
    freed: Condvar,
    size: usize,
}

impl Slots {
    fn new(size: usize) -> Self {
        Slots {
            free: Mutex::new(size.max(1)),
            freed: Condvar::new(),
            size: size.max(1),
        }
    }

    fn hold<T>(&self, f: impl FnOnce() -> T) -> T {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        drop(free);
        let out = f();
        *self.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.freed.notify_one();
        out
    }
}

struct Live {
    endpoint: Endpoint,
    model_id: String,
}

/// Why one try failed: worth another try (the server may recover, or another may answer),
/// or not (the request itself is wrong).
enum Fault {
    Transient(String),
    Permanent(String),
}

impl Fleet {
    /// Checks each endpoint against the address policy (a refusal is an error), asks each
    /// for its model, and keeps those that answer; `say` hears about the others.
    pub fn connect(counter: CandleModel, opts: FleetOptions, say: &dyn Fn(&str)) -> Result<Fleet> {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(10))
            .timeout(opts.timeout)
            // A redirect could lead outside the site's network, past the address check.
            .redirects(0)
            .user_agent(concat!("bisum/", env!("CARGO_PKG_VERSION")))
            .build();
        let reaches: Vec<Reach> = opts
            .endpoints
            .iter()
            .map(|e| e.check(&e.addresses()?, opts.allow_public))
            .collect::<Result<_>>()?;
        let mut live = Vec::new();
        let mut infos = Vec::new();
        let mut last_error = None;
        for (endpoint, reach) in opts.endpoints.iter().zip(reaches) {
            match describe(&agent, endpoint, opts.api_key.as_deref(), reach) {
                Ok(info) => {
                    live.push(Live {
                        endpoint: endpoint.clone(),
                        model_id: info.model_id.clone(),
                    });
                    infos.push(info);
                }
                Err(e) => {
                    say(&format!("bisum: {e}"));
                    last_error = Some(e);
                }
            }
        }
        if live.is_empty() {
            return Err(last_error.unwrap_or(Error::Config("no --backend given".into())));
        }
        let mut info = counter.info().clone();
        // A prompt planned for more context than a server's slot holds would be refused.
        if let Some(least) = infos.iter().filter_map(|e| e.context).min() {
            info.context_length = info.context_length.min(least as usize);
        }
        info.engine = Engine::Server;
        info.kernels = None;
        info.device = format!("{} server(s)", live.len());
        info.threads = 0;
        info.backend = Some(BackendInfo { endpoints: infos });
        Ok(Fleet {
            shared: Arc::new(Shared {
                counter,
                info,
                live,
                agent,
                api_key: opts.api_key,
                timeout: opts.timeout,
                attempts: opts.attempts.max(1),
                backoff: opts.backoff,
                next: AtomicUsize::new(0),
                slots: Slots::new(opts.parallel),
            }),
        })
    }
}

/// What a server says about itself: `/v1/models` (required), llama-server's `/props`
/// (where present).
fn describe(
    agent: &ureq::Agent,
    endpoint: &Endpoint,
    key: Option<&str>,
    reach: Reach,
) -> Result<EndpointInfo> {
    let fail = |reason: String| Error::Backend {
        endpoint: endpoint.as_str().to_string(),
        reason,
    };
    let models = get_json(agent, &endpoint.api("models"), key).map_err(fail)?;
    let model_id = models["data"][0]["id"]
        .as_str()
        .ok_or_else(|| fail("/models lists no model".into()))?
        .to_string();
    let props = get_json(agent, &endpoint.root("/props"), key).ok();
    let text = |v: &Value| v.as_str().map(str::to_string);
    Ok(EndpointInfo {
        url: endpoint.as_str().to_string(),
        reach,
        model_id,
        build: props.as_ref().and_then(|p| text(&p["build_info"])),
        model_path: props.as_ref().and_then(|p| text(&p["model_path"])),
        slots: props.as_ref().and_then(|p| p["total_slots"].as_u64()),
        context: props
            .as_ref()
            .and_then(|p| p["default_generation_settings"]["n_ctx"].as_u64()),
    })
}

fn get_json(
    agent: &ureq::Agent,
    url: &str,
    key: Option<&str>,
) -> std::result::Result<Value, String> {
    let mut req = agent.get(url).timeout(Duration::from_secs(30));
    if let Some(k) = key {
        req = req.set("Authorization", &format!("Bearer {k}"));
    }
    let resp = req.call().map_err(|e| one_line(&e.to_string()))?;
    resp.into_json::<Value>()
        .map_err(|e| format!("{url}: invalid JSON: {e}"))
}

fn one_line(s: &str) -> String {
    crate::text::first_line(s).chars().take(300).collect()
}

/// The request body: the same messages and decoding settings as in-process. llama.cpp's
/// servers default to a repeat penalty of 1.1 and top-k/min-p filters, so every setting is
/// sent explicitly; fields a server does not know are ignored by it.
fn request_body(model: &str, messages: &[Message], p: &GenParams) -> Value {
    json!({
        "model": model,
        "messages": messages,
        "max_tokens": p.max_new_tokens,
        "temperature": p.temperature,
        "top_p": p.top_p.unwrap_or(1.0),
        "top_k": 0,
        "min_p": 0.0,
        "seed": p.seed,
        "repeat_penalty": p.repeat_penalty,
        "repetition_penalty": p.repeat_penalty,
        "repeat_last_n": p.repeat_last_n,
        "stream": false,
    })
}

/// The answer and its counts, from a chat completion.
struct Reply {
    text: String,
    stop: StopReason,
    prompt_tokens: Option<usize>,
    generated_tokens: Option<usize>,
    /// llama-server's `timings`: prompt tokens taken from its cache, and milliseconds.
    cached_tokens: Option<usize>,
    prompt_ms: Option<f64>,
    predicted_ms: Option<f64>,
}

fn parse_reply(v: &Value) -> std::result::Result<Reply, String> {
    let choice = &v["choices"][0];
    let text = choice["message"]["content"]
        .as_str()
        .ok_or("invalid reply: no choices[0].message.content")?;
    let n = |x: &Value| x.as_u64().map(|n| n as usize);
    Ok(Reply {
        text: text.trim().to_string(),
        stop: match choice["finish_reason"].as_str() {
            Some("length") => StopReason::Length,
            _ => StopReason::Eos,
        },
        prompt_tokens: n(&v["usage"]["prompt_tokens"]),
        generated_tokens: n(&v["usage"]["completion_tokens"]),
        cached_tokens: n(&v["timings"]["cache_n"]),
        prompt_ms: v["timings"]["prompt_ms"].as_f64(),
        predicted_ms: v["timings"]["predicted_ms"].as_f64(),
    })
}

impl Shared {
    fn post_once(&self, live: &Live, body: &Value) -> std::result::Result<Reply, Fault> {
        let mut body = body.clone();
        body["model"] = json!(live.model_id);
        let mut req = self
            .agent
            .post(&live.endpoint.api("chat/completions"))
            .timeout(self.timeout);
        if let Some(k) = &self.api_key {
            req = req.set("Authorization", &format!("Bearer {k}"));
        }
        let value = match req.send_json(body) {
            Ok(resp) => resp.into_json::<Value>().map_err(|e| {
                Fault::Transient(format!("invalid JSON: {}", one_line(&e.to_string())))
            })?,
            Err(ureq::Error::Status(code, resp)) => {
                let detail = one_line(&resp.into_string().unwrap_or_default());
                let reason = format!("HTTP {code}: {detail}");
                // Overloaded, timed out or broken now; may answer on the next try.
                return Err(if code >= 500 || code == 429 || code == 408 {
                    Fault::Transient(reason)
                } else {
                    Fault::Permanent(reason)
                });
            }
            Err(e) => return Err(Fault::Transient(one_line(&e.to_string()))),
        };
        parse_reply(&value).map_err(Fault::Transient)
    }

    /// One call with bounded retries: each try goes to the next endpoint, after a pause
    /// that doubles.
    fn post(&self, body: &Value) -> Result<Reply> {
        let n = self.live.len();
        let first = self.next.fetch_add(1, Ordering::Relaxed);
        let mut pause = self.backoff;
        let mut last = (0, String::new());
        for attempt in 0..self.attempts as usize {
            let i = (first + attempt) % n;
            match self.slots.hold(|| self.post_once(&self.live[i], body)) {
                Ok(r) => return Ok(r),
                Err(Fault::Permanent(reason)) => {
                    return Err(Error::Backend {
                        endpoint: self.live[i].endpoint.as_str().to_string(),
                        reason,
                    })
                }
                Err(Fault::Transient(reason)) => last = (i, reason),
            }
            if attempt + 1 < self.attempts as usize {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(30));
            }
        }
        Err(Error::Backend {
            endpoint: self.live[last.0].endpoint.as_str().to_string(),
            reason: format!("{} (gave up after {} tries)", last.1, self.attempts),
        })
    }
}

impl Generate for Fleet {
    fn info(&self) -> &ModelInfo {
        &self.shared.info
    }

    fn fork(&self, n: usize) -> Vec<Box<dyn Generate>> {
        if self.shared.slots.size < 2 {
            return Vec::new();
        }
        (0..n)
            .map(|_| Box::new(self.clone()) as Box<dyn Generate>)
            .collect()
    }

    fn count_tokens(&self, text: &str) -> Result<usize> {
        self.shared.counter.count_tokens(text)
    }

    fn prompt_tokens(&self, messages: &[Message]) -> Result<usize> {
        self.shared.counter.prompt_tokens(messages)
    }

    fn generate(
        &mut self,
        messages: &[Message],
        params: &GenParams,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Generation> {
        let s = &self.shared;
        let started = Instant::now();
        let reply = s.post(&request_body("", messages, params))?;
        let seconds = started.elapsed().as_secs_f64();
        let (mut text, mut stop) = (reply.text, reply.stop);
        // The in-process engine ends a one-sentence answer where it is complete; a server
        // runs on, so its answer is cut at the same place.
        if params.one_sentence {
            if let Some(end) = super::one_sentence_end(&text) {
                text = text[..end].trim().to_string();
                stop = StopReason::Sentence;
            }
        }
        let ids = s.counter.encode(&text)?;
        // The in-process engine stops a degenerate loop as it starts; a server runs on to
        // the token limit, so the loop is cut here, the same way.
        if params.stop_on_loop {
            if let Some(cut) = loop_cut(&ids) {
                text = s.counter.decode(&ids[..cut])?.trim().to_string();
                stop = StopReason::Repetition;
            }
        }
        let generated = reply.generated_tokens.unwrap_or(ids.len());
        progress(generated);
        let prompt_tokens = match reply.prompt_tokens {
            Some(n) => n,
            None => s.counter.prompt_tokens(messages)?,
        };
        let (prompt_seconds, generation_seconds) = match (reply.prompt_ms, reply.predicted_ms) {
            (Some(p), Some(g)) => (p / 1000.0, g / 1000.0),
            // Without the server's own timings the whole call counts as generation.
            _ => (0.0, seconds),
        };
        Ok(Generation {
            text,
            prompt_tokens,
            reused_prompt_tokens: reply.cached_tokens.unwrap_or(0),
            new_prompt_tokens: None,
            drafted_tokens: 0,
            accepted_draft_tokens: 0,
            generated_tokens: generated,
            prompt_seconds,
            generation_seconds,
            stop,
            score: None,
            read: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_is_sent_and_replies_are_read() {
        let p = GenParams {
            max_new_tokens: 77,
            ..GenParams::default()
        };
        let body = request_body("m", &[Message::user("hi")], &p);
        assert_eq!(body["max_tokens"], 77);
        assert_eq!(body["temperature"], 0.0);
        assert_eq!(body["repeat_penalty"], 1.0);
        assert_eq!(body["messages"][0]["role"], "user");
        let r = parse_reply(&json!({
            "choices": [{"message": {"content": " Bonjour. "}, "finish_reason": "length"}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 3},
            "timings": {"cache_n": 4, "prompt_ms": 10.0, "predicted_ms": 30.0}
        }))
        .ok()
        .unwrap();
        assert_eq!(r.text, "Bonjour.");
        assert_eq!(r.stop, StopReason::Length);
        assert_eq!(
            (r.prompt_tokens, r.generated_tokens, r.cached_tokens),
            (Some(12), Some(3), Some(4))
        );
        assert!(parse_reply(&json!({"error": "x"})).is_err());
    }
}
