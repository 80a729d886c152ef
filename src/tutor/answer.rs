//! Checking a learner's free answer against a text quiz's accepted forms.
//!
//! Case, spacing and punctuation around words do not matter, and for an answer that is a list
//! (`sockets, events, rooms`) neither does the order: "Rooms, sockets and events" is accepted
//! for "sockets, events, rooms".

/// True when `answer` matches one of `accepted`.
pub fn accepts(accepted: &[String], answer: &str) -> bool {
    let answer = normalise(answer);
    !answer.is_empty() && accepted.iter().any(|form| normalise(form) == answer)
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
}
