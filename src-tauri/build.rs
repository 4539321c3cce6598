//! Tauri's build step: embeds the config, capabilities and icons, and declares the app's own
//! commands so that each needs an explicit grant in `capabilities/` (least privilege).

const COMMANDS: &[&str] = &[
    "list_boards",
    "create_board",
    "delete_board",
    "open_board",
    "list_archived",
    "apply",
    "undo",
    "redo",
    "generate_demo_board",
    "get_account",
    "set_server_url",
    "sign_up",
    "sign_in",
    "sign_out",
    "sync_status",
    "confirm_close",
    "publish_board",
    "list_members",
    "share_board",
    "set_member_role",
    "remove_member",
    "create_invite",
    "accept_invite",
    "list_remote_boards",
    "open_remote_board",
    "leave_board",
    "set_selection",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(err) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {err:#}");
        std::process::exit(1);
    }
}
