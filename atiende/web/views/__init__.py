"""The shell's pages: signing in and out, changing one's password. The desk's pages live in atiende/desk/views/."""
