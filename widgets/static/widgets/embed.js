(function(){var c=document.getElementById(__CONTAINER__),f,o=__ORIGIN__;if(!c)return;
f=document.createElement("iframe");f.src=__SRC__;f.title=__TITLE__;f.className="tvmw-widget-frame";
f.setAttribute("loading","lazy");f.style.cssText="display:block;width:100%;min-height:160px;border:0";
c.innerHTML="";c.appendChild(f);
window.addEventListener("message",function(e){var d=e.data;
if(e.origin!==o||e.source!==f.contentWindow||!d||d.type!=="tvmw-widget-height"||d.id!==__ID__)return;
var h=Math.ceil(+d.height);if(h>0&&h<1e5)f.style.height=h+"px"})})();
