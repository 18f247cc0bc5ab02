//! Chat templates: the GGUF's own `tokenizer.chat_template` rendered with minijinja, or a
//! fallback template file when the model ships none.

use super::Message;
use crate::error::{Error, Result};
use minijinja::{context, Environment, ErrorKind};

/// Fallback templates, by file name under `prompts/templates/`.
pub const FALLBACKS: &[(&str, &str)] = &[
    (
        "chatml.jinja",
        include_str!("../../prompts/templates/chatml.jinja"),
    ),
    (
        "gemma.jinja",
        include_str!("../../prompts/templates/gemma.jinja"),
    ),
    (
        "llama3.jinja",
        include_str!("../../prompts/templates/llama3.jinja"),
    ),
    (
        "mistral.jinja",
        include_str!("../../prompts/templates/mistral.jinja"),
    ),
    (
        "plain.jinja",
        include_str!("../../prompts/templates/plain.jinja"),
    ),
];

#[derive(Debug, Clone)]
pub struct ChatTemplate {
    pub source: String,
    /// `gguf` when the model's own template is used, else the fallback file name.
    pub origin: String,
    pub bos_token: String,
    pub eos_token: String,
}

impl ChatTemplate {
    /// The model's template if it has one, else a fallback picked from its special tokens.
    pub fn choose(
        from_gguf: Option<String>,
        arch: &str,
        tokens: &[String],
        bos_token: String,
        eos_token: String,
    ) -> Self {
        if let Some(source) = from_gguf.filter(|s| !s.trim().is_empty()) {
            return Self {
                source,
                origin: "gguf".into(),
                bos_token,
                eos_token,
            };
        }
        let has = |t: &str| tokens.iter().any(|x| x == t);
        let name = if arch.starts_with("gemma") || has("<start_of_turn>") {
            "gemma.jinja"
        } else if has("<|im_start|>") {
            "chatml.jinja"
        } else if has("<|start_header_id|>") {
            "llama3.jinja"
        } else if has("[INST]") {
            "mistral.jinja"
        } else {
            "plain.jinja"
        };
        Self::fallback(name, bos_token, eos_token)
    }

    pub fn fallback(name: &str, bos_token: String, eos_token: String) -> Self {
        let source = FALLBACKS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s.to_string())
            .unwrap_or_else(|| panic!("no fallback template {name}"));
        Self {
            source,
            origin: format!("prompts/templates/{name}"),
            bos_token,
            eos_token,
        }
    }

    /// Renders the conversation and opens the assistant's turn, as HF transformers does
    /// (`trim_blocks` and `lstrip_blocks` on, Python string methods available).
    pub fn render(&self, messages: &[Message]) -> Result<String> {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function(
            "raise_exception",
            |msg: String| -> std::result::Result<String, minijinja::Error> {
                Err(minijinja::Error::new(ErrorKind::InvalidOperation, msg))
            },
        );
        let bad = |e: minijinja::Error| Error::Prompt {
            name: format!("chat template ({})", self.origin),
            reason: e.to_string(),
        };
        env.add_template("chat", &self.source).map_err(bad)?;
        let tmpl = env.get_template("chat").map_err(bad)?;
        tmpl.render(context! {
            messages => messages,
            add_generation_prompt => true,
            bos_token => self.bos_token,
            eos_token => self.eos_token,
        })
        .map_err(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msgs() -> Vec<Message> {
        vec![
            Message::system("Sois bref."),
            Message::user("Résume : été."),
        ]
    }

    #[test]
    fn chatml_fallback_renders_turns() {
        let t = ChatTemplate::fallback("chatml.jinja", String::new(), "<|im_end|>".into());
        assert_eq!(
            t.render(&msgs()).unwrap(),
            "<|im_start|>system\nSois bref.<|im_end|>\n<|im_start|>user\nRésume : été.<|im_end|>\n<|im_start|>assistant\n"
        );
    }

    #[test]
    fn gemma_fallback_folds_system_into_user() {
        let t = ChatTemplate::fallback("gemma.jinja", "<bos>".into(), "<eos>".into());
        assert_eq!(
            t.render(&msgs()).unwrap(),
            "<bos><start_of_turn>user\nSois bref.\n\nRésume : été.<end_of_turn>\n<start_of_turn>model\n"
        );
    }

    #[test]
    fn all_fallbacks_render() {
        for (name, _) in FALLBACKS {
            let t = ChatTemplate::fallback(name, "<s>".into(), "</s>".into());
            let out = t.render(&msgs()).unwrap();
            assert!(out.contains("Résume : été."), "{name}: {out}");
            assert!(out.contains("Sois bref."), "{name}: {out}");
        }
    }

    /// The real templates shipped in the registry models' GGUF files (Qwen2.5's uses
    /// `tojson`, `loop.first` and message attributes).
    #[test]
    fn qwen25_template_from_gguf_renders() {
        let src = include_str!("../../tests/fixtures/qwen2.5-chat-template.jinja");
        let t = ChatTemplate::choose(Some(src.into()), "qwen2", &[], String::new(), String::new());
        assert_eq!(t.origin, "gguf");
        assert_eq!(
            t.render(&msgs()).unwrap(),
            "<|im_start|>system\nSois bref.<|im_end|>\n<|im_start|>user\nRésume : été.<|im_end|>\n<|im_start|>assistant\n"
        );
    }

    #[test]
    fn choose_picks_fallback_from_special_tokens() {
        let toks = vec!["<|im_start|>".to_string()];
        let t = ChatTemplate::choose(None, "llama", &toks, String::new(), String::new());
        assert_eq!(t.origin, "prompts/templates/chatml.jinja");
        let t = ChatTemplate::choose(None, "gemma3", &[], String::new(), String::new());
        assert_eq!(t.origin, "prompts/templates/gemma.jinja");
    }

    #[test]
    fn raise_exception_is_an_error() {
        let t = ChatTemplate {
            source: "{{ raise_exception('no system role') }}".into(),
            origin: "gguf".into(),
            bos_token: String::new(),
            eos_token: String::new(),
        };
        let e = t.render(&msgs()).unwrap_err().to_string();
        assert!(e.contains("no system role"), "{e}");
    }
}
