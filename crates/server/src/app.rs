//! Assembling and running the server: open storage, bind, serve until shutdown, drain.

use std::net::SocketAddr;

use ordersync_store::Store;
use tokio::net::TcpListener;

use crate::auth::AuthService;
use crate::config::Config;
use crate::shutdown::Shutdown;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Storage.
    pub store: Store,
    /// Install, tokens and session tokens.
    pub auth: AuthService,
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Storage could not be opened or migrated.
    #[error("cannot open storage: {0}")]
    Store(#[from] ordersync_store::StoreError),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The Shopify clients could not be built.
    #[error("cannot build the Shopify clients: {0}")]
    Clients(#[from] crate::auth::BuildError),
    /// The server failed while running.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// A server that is bound and ready to run.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    state: AppState,
    config: Config,
}

impl Server {
    /// Opens (and migrates) storage and binds the listen address (port 0 picks a free port).
    pub async fn bind(config: Config) -> Result<Self, ServeError> {
        let store = Store::open(&config.database).await?;
        let auth = AuthService::new(store.clone(), config.auth.clone())?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ServeError::Bind {
                    addr: config.listen,
                    source,
                })?;
        Ok(Server {
            listener,
            state: AppState { store, auth },
            config,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> Result<SocketAddr, ServeError> {
        Ok(self.listener.local_addr()?)
    }

    /// Install and auth (tests reach the token refresh through it).
    pub fn auth(&self) -> &AuthService {
        &self.state.auth
    }

    /// The storage the server uses.
    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// Serves until `shutdown` fires, then lets in-flight requests finish (up to the grace
    /// period) and closes storage.
    pub async fn run(self, shutdown: Shutdown) -> Result<(), ServeError> {
        let addr = self.local_addr()?;
        tracing::info!(%addr, backend = self.state.store.backend().as_str(), "ordersync listening on http://{addr}");
        let store = self.state.store.clone();
        let refresher = tokio::spawn(crate::auth::refresh_periodically(
            self.state.auth.clone(),
            shutdown.clone(),
        ));
        let app = crate::http::router(self.state);
        let drain = shutdown.clone();
        let serve = axum::serve(self.listener, app)
            .with_graceful_shutdown(async move { drain.wait().await });
        let grace = self.config.shutdown_grace;
        tokio::select! {
            result = serve => result?,
            () = async { shutdown.wait().await; tokio::time::sleep(grace).await } => {
                tracing::warn!("requests still running after the grace period; stopping anyway");
            }
        }
        refresher.abort();
        store.close().await;
        tracing::info!("ordersync stopped");
        Ok(())
    }
}
