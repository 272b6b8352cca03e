(function(){var b=document.body,id=b.getAttribute("data-widget-id"),last=0;
function send(){var h=Math.ceil(document.documentElement.getBoundingClientRect().height);
if(h!==last&&window.parent!==window){last=h;window.parent.postMessage({type:"tvmw-widget-height",id:id,height:h},"*")}}
if(window.ResizeObserver)new ResizeObserver(send).observe(document.documentElement);
window.addEventListener("load",send);send()})();
