// Loaded in <head> without defer, so it runs before the page is drawn: with JavaScript,
// the phone menu is Bootstrap's collapsible one; without, common.css shows it open.
document.documentElement.classList.remove("no-js");
