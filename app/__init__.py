"""The Streamlit app (`videoassist app`): upload a video and chat about it, on the library's VideoAssistant."""
