// The live board: htmx swaps each list when it changed; a new emergency raises the alarm
// (banner always, sound once the operator allowed it: browsers block sound until a click).
(function () {
  const toggle = document.getElementById("sound-toggle");
  const audio = document.getElementById("alarm-sound");
  const banner = document.getElementById("alarm");
  if (!toggle || !audio || !banner) return;
  const KEY = "civicgrid.board.sound";
  let soundOn = false;

  function label(state) {
    toggle.textContent = toggle.dataset[state + "Text"];
    toggle.setAttribute("aria-pressed", state === "on" ? "true" : "false");
    toggle.classList.toggle("secondary", state !== "on");
  }

  function enable() {
    // Playing (muted) inside the click is what unlocks sound for this page.
    audio.muted = true;
    return audio.play().then(() => {
      audio.pause();
      audio.currentTime = 0;
      audio.muted = false;
      soundOn = true;
      localStorage.setItem(KEY, "1");
      label("on");
    }).catch(() => label("blocked"));
  }

  toggle.addEventListener("click", () => {
    if (soundOn) {
      soundOn = false;
      localStorage.removeItem(KEY);
      label("off");
    } else {
      enable();
    }
  });
  if (localStorage.getItem(KEY) === "1") label("blocked"); // wanted, but needs a click again

  function ring(section) {
    const links = section.querySelectorAll("li.fresh.emergency a");
    const list = document.getElementById("alarm-cases");
    list.replaceChildren();
    links.forEach((a) => {
      const copy = document.createElement("a");
      copy.href = a.getAttribute("href");
      copy.textContent = a.querySelector("code") ? a.querySelector("code").textContent : a.textContent;
      list.append(" ", copy);
    });
    banner.hidden = false;
    document.body.classList.add("alarming");
    if (soundOn) {
      audio.currentTime = 0;
      audio.play().catch(() => label("blocked"));
    }
  }

  document.getElementById("alarm-dismiss").addEventListener("click", () => {
    banner.hidden = true;
    document.body.classList.remove("alarming");
    audio.pause();
  });

  document.body.addEventListener("htmx:load", (event) => {
    const el = event.detail.elt;
    if (el && el.dataset && el.dataset.alarm === "1") ring(el);
  });
})();
