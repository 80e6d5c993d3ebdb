// A collaboration made from scratch: the form, then the stored collaboration as the
// organization pages show it (partners, roles, ending and evaluating later).
import { el, showAlert, startPage, t, toast } from "./common.js";
import { collaborationItem } from "./collaboration.js";
import { collaborationForm } from "./collaboration_form.js";
import { endpoints } from "./endpoints.js";

const box = document.getElementById("cnew-box");
const result = document.getElementById("cnew-result");

async function start(user) {
  const organizations = await endpoints.organizations();
  const names = new Map(organizations.map((o) => [o.id, o.name]));
  const show = () => {
    const lead = new URLSearchParams(location.search).get("org") || "";
    const form = collaborationForm(organizations, (collab) => {
      showAlert(null);
      toast(t("cnew_created", { title: collab.title }));
      const first = collab.participants[0].org_id;
      result.replaceChildren(
        el("p", { class: "cnew-created" }, t("cnew_created", { title: collab.title }), " ",
          el("a", { href: `/organizations/${encodeURIComponent(first)}#collab-${encodeURIComponent(collab.id)}`, "data-action": "open-collaboration" },
            t("cnew_open"))),
        el("ul", { class: "plain" }, collaborationItem(collab, names, user)),
        el("button", { type: "button", class: "btn", id: "cnew-again", onclick: () => { result.replaceChildren(); result.hidden = true; show(); } },
          t("cnew_another")));
      result.hidden = false;
      result.dataset.collaboration = collab.id;
      form.remove();
    }, lead);
    box.replaceChildren(form);
    box.dataset.ready = "true";
  };
  show();
}

startPage(start, ["coordinator", "admin"]);
