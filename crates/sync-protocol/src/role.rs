//! A member's role on a board: the relay's accounts API (`/v1`) and its clients name it alike.

use serde::{Deserialize, Serialize};

/// A member's role on a board, spelled `owner`, `editor` or `viewer` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Editor,
    Viewer,
}

impl Role {
    /// Whether this role may change the board (everyone but a viewer).
    pub fn can_edit(self) -> bool {
        self != Role::Viewer
    }

    /// The wire spelling, as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "owner" => Some(Role::Owner),
            "editor" => Some(Role::Editor),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn the_spelling_round_trips_and_matches_serde() {
        for role in [Role::Owner, Role::Editor, Role::Viewer] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            let json = serde_json::to_string(&role).expect("serialise");
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert_eq!(Role::parse("Owner"), None);
        assert!(!Role::Viewer.can_edit() && Role::Editor.can_edit() && Role::Owner.can_edit());
    }
}
