"""Keep library chatter (loading bars, warnings meant for developers) out of the CLI's output."""


def quiet_libraries() -> None:
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()

