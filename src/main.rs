#[tokio::main]
async fn main() -> anyhow::Result<()> {
    examdrill::cli::run().await
}
