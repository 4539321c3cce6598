//! The relay behind Debian's PgBouncer (1.18) in transaction mode: accounts, sync and
//! acknowledgements all go through the pooler, with row-level security as the relay's role;
//! only LISTEN uses a direct connection.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use sync_server::config::ServerConfig;
use sync_server::storage::Storage;

use crate::support::{set_of, stored_keys, Backend, BackendKind, TestRelay};

const BOARD: &str = "0190a000-0000-7000-8000-0000000000b0";

/// A PgBouncer in front of the test database, stopped when dropped.
struct Bouncer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Bouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pgbouncer_binary() -> &'static str {
    for candidate in ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"] {
        if Path::new(candidate).exists() {
            return candidate;
        }
    }
    panic!("pgbouncer is not installed: run scripts/setup.sh (apt-get install pgbouncer)");
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

impl Bouncer {
    /// Transaction pooling for `database`, each server connection acting as `tack_relay`.
    async fn start(database: &str) -> Bouncer {
        let dir = test_support::temp_data_dir();
        // PgBouncer refuses to run as root; as root it drops to `postgres`, who must read these.
        let _ = std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        );
        // A free loopback port (PgBouncer cannot report a port-0 choice back).
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe port");
            probe.local_addr().expect("probe addr").port()
        };
        let userlist = dir.path().join("userlist.txt");
        std::fs::write(&userlist, "\"postgres\" \"\"\n").expect("userlist");
        let ini = dir.path().join("pgbouncer.ini");
        std::fs::write(
            &ini,
            format!(
                "[databases]\n\
                 {database} = host=127.0.0.1 port=5432 dbname={database} \
                 connect_query='SET ROLE tack_relay'\n\
                 [pgbouncer]\n\
                 listen_addr = 127.0.0.1\n\
                 listen_port = {port}\n\
                 unix_socket_dir =\n\
                 auth_type = trust\n\
                 auth_file = {}\n\
                 pool_mode = transaction\n\
                 server_reset_query = DEALLOCATE ALL\n\
                 server_reset_query_always = 1\n\
                 ignore_startup_parameters = extra_float_digits,options\n\
                 max_client_conn = 200\n\
                 default_pool_size = 4\n",
                userlist.display()
            ),
        )
        .expect("pgbouncer.ini");
        for file in [&userlist, &ini] {
            let _ =
                std::fs::set_permissions(file, std::os::unix::fs::PermissionsExt::from_mode(0o644));
        }
        let mut command = Command::new(pgbouncer_binary());
        if running_as_root() {
            command.args(["-u", "postgres"]);
        }
        let child = command
            .arg(&ini)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pgbouncer");
        let bouncer = Bouncer {
            child,
            port,
            _dir: dir,
        };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return bouncer;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("pgbouncer did not listen on 127.0.0.1:{port}");
    }
}

#[tokio::test]
async fn relay_behind_pgbouncer_in_transaction_mode_syncs_and_acknowledges() {
    let backend = Backend::new(BackendKind::Postgres);
    let owner_url = backend.database_url.clone().expect("postgres");
    let database = owner_url
        .rsplit('/')
        .next()
        .expect("database name")
        .to_owned();
    // Migrations need a session (advisory lock): direct, as the tables' owner.
    Storage::migrate_postgres(&owner_url)
        .await
        .expect("migrate");
    let bouncer = Bouncer::start(&database).await;
    let pooled_url = format!("postgres://postgres@127.0.0.1:{}/{database}", bouncer.port);
    let storage = Storage::connect_pooled(&pooled_url)
        .await
        .expect("connect through pgbouncer");
    let verifier = Arc::new(sync_server::accounts::AccountVerifier::new(storage.clone()));
    let config = ServerConfig {
        listen_database_url: backend.relay_url(),
        ..ServerConfig::default()
    };
    let relay = TestRelay::start_on(backend, storage, verifier, config).await;

    let (_, owner) = relay.signup("ada@example.com").await;
    relay.publish(&owner, BOARD).await;
    relay.signup("bob@example.com").await;
    relay
        .add_member(&owner, BOARD, "bob@example.com", "editor")
        .await;
    let bob = relay.login("bob@example.com").await;

    let mut writer = relay.client().await;
    writer.open(BOARD, &owner).await.expect("owner opens");
    let mut reader = relay.client().await;
    reader.open(BOARD, &bob).await.expect("editor opens");
    // Many statements on few server connections: each must keep to its transaction.
    let mut keys = Vec::new();
    for i in 0..40 {
        let key = format!("k{i}");
        let (client, token_holder) = if i % 2 == 0 {
            (&mut writer, "ada")
        } else {
            (&mut reader, "bob")
        };
        client.set(BOARD, &key, token_holder).await;
        assert_eq!(
            client.status(BOARD).await,
            Some(true),
            "{key} acknowledged through the pooler"
        );
        keys.push(key);
    }
    let expected = set_of(&keys.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(writer.wait_keys(BOARD, &expected).await, "writer converged");
    assert!(reader.wait_keys(BOARD, &expected).await, "reader converged");
    let backend = relay.stop().await;
    drop(bouncer);
    let stored = stored_keys(&backend.storage().await, BOARD).await;
    assert_eq!(stored, expected, "every acknowledged update is stored");
}
