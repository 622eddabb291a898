"""`livefest simulate`: HTTP back offices of every platform, serving a scripted festival."""
