//! The forms of the outcome pages, described in Rust and drawn by the one
//! input part (`form_input.html`) the case forms use: each input knows its
//! label, value, choices and error, so the templates hold no per-field copy.

use crate::context::Ctx;
use crate::pages::FormErrors;
use crate::pages::Input;

/// The choices of a closed list, labelled in the reader's language.
#[macro_export]
macro_rules! choices {
    ($ctx:expr, $list:ty) => {
        <$list>::ALL
            .iter()
            .map(|v| (v.as_str().to_owned(), $ctx.t(&v.message_id())))
            .collect::<Vec<(String, String)>>()
    };
}

/// One form of a page: where it posts, its inputs, whether it opens with
/// the page (it holds the errors of the last try).
pub struct Section {
    pub id: String,
    pub title: String,
    pub action: String,
    pub button: String,
    pub open: bool,
    pub inputs: Vec<Input>,
}

/// A form that came back with errors: which section, the errors, and what
/// was typed (shown again, so nothing is lost).
#[derive(Default)]
pub struct Sent {
    pub section: String,
    pub errors: FormErrors,
    pub values: Vec<(String, String)>,
}

impl Sent {
    pub fn new(section: &str, errors: FormErrors, values: Vec<(String, String)>) -> Self {
        Sent {
            section: section.to_owned(),
            errors,
            values,
        }
    }
    fn value(&self, name: &str) -> String {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    fn all(&self, name: &str) -> Vec<String> {
        self.values
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// Builds a section's inputs; errors and typed values show only on the
/// section that was sent.
pub struct Form<'a> {
    ctx: &'a Ctx,
    sent: Option<&'a Sent>,
    errors: Option<&'a FormErrors>,
    inputs: Vec<Input>,
}

impl<'a> Form<'a> {
    pub fn new(ctx: &'a Ctx, sent: &'a Sent, id: &str) -> Self {
        let sent = (sent.section == id).then_some(sent);
        Form {
            ctx,
            sent,
            errors: sent.map(|s| &s.errors),
            inputs: Vec::new(),
        }
    }

    fn push(
        &mut self,
        name: &str,
        kind: &'static str,
        required: bool,
        value: String,
        options: Vec<(String, String, bool)>,
    ) {
        let error = self.errors.and_then(|e| e.get(name)).map(str::to_owned);
        let (value, options) = match self.sent {
            Some(s) => {
                let typed = s.all(name);
                let options = options
                    .into_iter()
                    .map(|(v, l, _)| {
                        let on = typed.contains(&v);
                        (v, l, on)
                    })
                    .collect();
                (s.value(name), options)
            }
            None => (value, options),
        };
        self.inputs.push(Input {
            name: name.to_owned(),
            kind,
            label: self.ctx.field(name),
            hint: String::new(),
            required,
            conditional: false,
            options,
            value,
            error,
            min: String::new(),
            max: String::new(),
        });
    }

    pub fn text(mut self, name: &str, value: &str, required: bool) -> Self {
        self.push(name, "text", required, value.to_owned(), vec![]);
        self
    }

    pub fn long(mut self, name: &str, value: &str) -> Self {
        self.push(name, "long_text", false, value.to_owned(), vec![]);
        self
    }

    pub fn date(mut self, name: &str, value: &str, required: bool) -> Self {
        self.push(name, "date", required, value.to_owned(), vec![]);
        self
    }

    pub fn number(mut self, name: &str, value: &str, min: i64, max: i64) -> Self {
        self.push(name, "number", false, value.to_owned(), vec![]);
        if let Some(i) = self.inputs.last_mut() {
            i.min = min.to_string();
            i.max = max.to_string();
        }
        self
    }

    pub fn choice(
        mut self,
        name: &str,
        value: &str,
        list: &[(String, String)],
        required: bool,
    ) -> Self {
        let options = list
            .iter()
            .map(|(v, l)| (v.clone(), l.clone(), v == value))
            .collect();
        self.push(name, "single_choice", required, value.to_owned(), options);
        self
    }

    /// Several of a list (checkboxes); `values` are those ticked.
    pub fn several(mut self, name: &str, values: &[String], list: &[(String, String)]) -> Self {
        let options = list
            .iter()
            .map(|(v, l)| (v.clone(), l.clone(), values.contains(v)))
            .collect();
        self.push(name, "multiple_choice", false, String::new(), options);
        self
    }

    pub fn yes_no(mut self, name: &str, value: Option<bool>) -> Self {
        let v = match value {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        };
        self.push(name, "yes_no", false, v.to_owned(), vec![]);
        self
    }

    pub fn section(self, id: &str, title: String, action: String, button: &str) -> Section {
        Section {
            id: id.to_owned(),
            open: self.sent.is_some(),
            title,
            action,
            button: self.ctx.t(button),
            inputs: self.inputs,
        }
    }
}
