//! The `sio-tutor` binary: hands the command line to `sio_tutor::cli`.

fn main() -> std::process::ExitCode {
    sio_tutor::cli::main()
}
