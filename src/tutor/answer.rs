//! Checking a learner's free answer against a text quiz's accepted forms.
//!
//! Case, spacing and punctuation around words do not matter, and for an answer that is a list
//! (`sockets, events, rooms`) neither does the order: "Rooms, sockets and events" is accepted
//! for "sockets, events, rooms".

/// True when `answer` matches one of `accepted` (the unit tests' shorthand for [`judge`]).
#[cfg(test)]
pub fn accepts(accepted: &[String], answer: &str) -> bool {
    judge(accepted, answer) == Verdict::Right
}

/// How an answer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Right,
    /// A typo or two away from an accepted form: the learner is told it is close.
    Close,
    Wrong,
}

/// Judges `answer` against the accepted forms: as words (case, spacing, punctuation, list order
/// do not matter), or as code (`socket.broadcast.emit("hi");` is `socket.broadcast.emit('hi')`:
/// the kind of quotes, spaces and a trailing semicolon do not matter).
pub fn judge(accepted: &[String], answer: &str) -> Verdict {
    let words = normalise(answer);
    let code = code_form(answer);
    if words.is_empty() || code.is_empty() {
        return Verdict::Wrong;
    }
    if accepted
        .iter()
        .any(|form| normalise(form) == words || code_form(form) == code)
    {
        return Verdict::Right;
    }
    // Close: at most two edits away, in a form long enough for that to be a typo.
    let close = accepted.iter().any(|form| {
        let form = code_form(form);
        form.chars().count() >= 5 && strsim::levenshtein(&form, &code) <= 2
    });
    if close {
        Verdict::Close
    } else {
        Verdict::Wrong
    }
}

/// An answer as code: lower case, no whitespace, one kind of quote, no trailing `;` or `.`.
fn code_form(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '"' | '`' => '\'',
            c => c.to_ascii_lowercase(),
        })
        .collect::<String>()
        .trim_end_matches([';', '.'])
        .to_string()
}

/// A canonical form: lower case, items of a list sorted, words single-spaced, and quotes and
/// end punctuation dropped.
fn normalise(text: &str) -> Vec<String> {
    let lowered = text.to_lowercase();
    let mut items: Vec<String> = lowered
        .split([',', ';', '\n'])
        .flat_map(|part| part.split(" and "))
        .map(|item| {
            item.split_whitespace()
                .map(|word| {
                    word.trim_matches(|c: char| matches!(c, '.' | '!' | '?' | '"' | '\'' | '`'))
                })
                .filter(|word| !word.is_empty() && *word != "and")
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|item| !item.is_empty())
        .collect();
    items.sort();
    items
}

#[cfg(test)]
mod tests {
    use super::accepts;

    fn forms(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn case_and_spacing_do_not_matter() {
        let accepted = forms(&["a user connected"]);
        assert!(accepts(&accepted, "A user  connected"));
        assert!(accepts(&accepted, "  a USER connected. "));
        assert!(accepts(&accepted, "'a user connected'"));
        assert!(!accepts(&accepted, "a user disconnected"));
    }

    #[test]
    fn the_order_of_a_list_does_not_matter() {
        let accepted = forms(&["sockets, events, rooms"]);
        assert!(accepts(&accepted, "rooms, sockets, events"));
        assert!(accepts(&accepted, "Events, rooms and sockets"));
        assert!(accepts(&accepted, "rooms; events; sockets"));
        assert!(!accepts(&accepted, "rooms, events"));
        assert!(!accepts(&accepted, "rooms, events, sockets, ports"));
    }

    #[test]
    fn an_empty_answer_is_never_right() {
        assert!(!accepts(&forms(&[""]), "   "));
        assert!(!accepts(&forms(&["broadcast"]), ""));
    }

    #[test]
    fn a_code_answer_keeps_its_dots() {
        let accepted = forms(&["broadcast", "socket.broadcast.emit"]);
        assert!(accepts(&accepted, "socket.broadcast.emit"));
        assert!(accepts(&accepted, "`broadcast`"));
    }

    #[test]
    fn quotes_spacing_and_a_semicolon_do_not_matter_in_code() {
        use super::{Verdict, judge};
        let accepted = forms(&["socket.broadcast.emit('hi')"]);
        assert!(accepts(&accepted, "socket.broadcast.emit(\"hi\")"));
        assert!(accepts(&accepted, "socket.broadcast.emit( 'hi' );"));
        assert!(accepts(&accepted, "`socket.broadcast.emit('hi')`"));
        assert_eq!(
            judge(&accepted, "socket.brodcast.emit('hi')"),
            Verdict::Close
        );
        assert_eq!(judge(&accepted, "io.emit('hi')"), Verdict::Wrong);
        assert_eq!(judge(&forms(&["broadcast"]), "brodcast"), Verdict::Close);
        assert_eq!(judge(&forms(&["to"]), "in"), Verdict::Wrong);
        assert_eq!(judge(&forms(&["broadcast"]), " ; "), Verdict::Wrong);
    }
}
